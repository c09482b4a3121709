"""Guidance meetings from scheduling, pure Python: their contributions and the wait for them.

scheduling's meeting events are recorded as facts of their *case* (``meetings.<booking>``: what
was booked, moved, cancelled, held or missed, each with its event id), in any order. They need
the case's opening (intake's case.opened) for the municipality, so a meeting booked before its
case is known waits there and counts once case.opened arrives.

Contributions (each once per booking, whatever delivers it):

- ``meeting_booked:<booking>``: ``meetings_booked`` in the month it was booked;
- ``meeting_held:<booking>``: ``meetings_held`` in the month of the meeting (its start);
- ``meeting_missed:<booking>``: ``meetings_no_show`` in the month of the meeting;
- ``meeting_cancelled:<booking>``: ``meetings_cancelled`` in the month it was cancelled.

Time from inquiry to first meeting is not a contribution: a case's first meeting can still move
(rescheduled, cancelled), so it is computed when asked, from the case facts (figures/waits.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hoppid.reporting.model import Cell, Contribution

KINDS = (
    ("booked", "meetings_booked"),
    ("held", "meetings_held"),
    ("missed", "meetings_no_show"),
    ("cancelled", "meetings_cancelled"),
)
FIGURES = tuple(figure for _, figure in KINDS)


def derive_meetings(facts: Mapping[str, Any]) -> list[Contribution]:
    """The meeting contributions of a case; none until the case's opening is known."""
    opened = facts.get("opened")
    if not opened:
        return []
    derived = []
    for booking, meeting in sorted(facts.get("meetings", {}).items()):
        for kind, figure in KINDS:
            fact = meeting.get(kind)
            if fact:
                cell = Cell(fact["office"], opened["municipality"], fact["month"])
                derived.append(
                    Contribution(f"meeting_{kind}:{booking}", cell, {figure: 1}, (fact["event"],))
                )
    return derived
