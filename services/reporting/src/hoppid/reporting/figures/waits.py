"""Time from inquiry to first meeting, pure Python: from a case's facts, when asked.

The projection records a case's meetings as facts (projection/meetings.py) but the wait is no
contribution: a case's first meeting can still move (rescheduled, cancelled), so the figures
compute it from the facts when asked, and retention folds it into a record without ids before
it drops a case.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from statistics import median
from typing import Any

SECONDS_PER_DAY = 86_400


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
