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
(rescheduled, cancelled), so it is computed when asked, from the case facts (:func:`wait`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from statistics import median
from typing import Any

from hoppid.reporting.model import Cell, Contribution

SECONDS_PER_DAY = 86_400
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


# --- time from inquiry to first meeting -------------------------------------------------------


def _current(meeting: Mapping[str, Any]) -> tuple[datetime, tuple[str, ...]] | None:
    """When the meeting is (or was): the recorded outcome's start, else the latest move, else
    the booked start; with the event ids that say so. None for a cancelled one that never took
    place (held or missed recorded wins over a cancellation)."""
    outcome = meeting.get("held") or meeting.get("missed")
    booked = meeting.get("booked")
    booked_event = (booked["event"],) if booked else ()
    if outcome:
        return outcome["start"], (*booked_event, outcome["event"])
    if meeting.get("cancelled"):
        return None
    moves = sorted(meeting.get("moved", {}).items(), key=lambda item: (item[1]["at"], item[0]))
    if moves:
        event, move = moves[-1]
        return move["start"], (*booked_event, event)
    return (booked["start"], booked_event) if booked else None


def first_meeting(facts: Mapping[str, Any]) -> tuple[datetime, tuple[str, ...]] | None:
    """The case's earliest meeting that is booked and not cancelled (or took place/was missed)."""
    candidates = [
        (current[0], booking, current[1])
        for booking, meeting in facts.get("meetings", {}).items()
        if (current := _current(meeting)) is not None
    ]
    if not candidates:
        return None
    start, _, events = min(candidates)
    return start, events


def wait(facts: Mapping[str, Any]) -> tuple[float, tuple[str, ...]] | None:
    """Days from the case's opening to its first meeting (never below 0), with the event ids
    behind it; None while either is unknown."""
    opened, first = facts.get("opened"), first_meeting(facts)
    if not opened or "at" not in opened or first is None:
        return None
    seconds = (first[0] - opened["at"]).total_seconds()
    return max(seconds, 0.0) / SECONDS_PER_DAY, (opened["event"], *first[1])


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest rank: the smallest value with at least ``share`` of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)), 1) - 1]


def wait_summary(days: Sequence[float]) -> dict[str, Any]:
    """The figures of some cases' waits, in days rounded to 0.01."""
    p90 = percentile(days, 0.9)
    return {
        "cases_with_first_meeting": len(days),
        "days_to_first_meeting_median": round(median(days), 2) if days else None,
        "days_to_first_meeting_p90": round(p90, 2) if p90 is not None else None,
    }
