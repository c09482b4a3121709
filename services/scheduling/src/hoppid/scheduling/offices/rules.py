"""An office's rules for meetings, pure: opening hours, closed days, meeting lengths, the buffer
after a meeting and the minimum notice; the checks of those lengths. No I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from hoppid.scheduling.model import RuleViolation, is_public_holiday, oslo_instant
from hoppid.scheduling.offices.forms import OfficeSettings

Document = dict[str, Any]

DEFAULT_DURATIONS: Mapping[str, int] = {"first_guidance": 60, "follow_up": 30}
DEFAULT_BUFFER_MINUTES = 15
DEFAULT_MINIMUM_NOTICE_HOURS = 24
DEFAULT_OPENING = tuple((weekday, time(8, 0), time(16, 0)) for weekday in range(5))  # Mon-Fri


@dataclass(frozen=True)
class OfficeRules:
    opening: tuple[tuple[int, time, time], ...] = DEFAULT_OPENING
    closed_days: frozenset[date] = frozenset()
    durations: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_DURATIONS))
    buffer_minutes: int = DEFAULT_BUFFER_MINUTES
    minimum_notice_hours: int = DEFAULT_MINIMUM_NOTICE_HOURS

    def duration(self, meeting_type: str) -> timedelta:
        return timedelta(minutes=self.durations.get(meeting_type, DEFAULT_DURATIONS[meeting_type]))

    def closed_on(self, day: date) -> bool:
        return day in self.closed_days or is_public_holiday(day)

    def open_during(self, day: date, start: datetime, end: datetime) -> bool:
        """Is the office open for the whole of [start, end) on this day (for in-person meetings)?"""
        for weekday, opens, closes in self.opening:
            if weekday != day.weekday():
                continue
            first, last = oslo_instant(day, opens), oslo_instant(day, closes)
            if first is not None and last is not None and first <= start and end <= last:
                return True
        return False


def check_durations(durations: Mapping[str, int], buffer_minutes: int) -> None:
    for name, minutes in {**durations, "buffer_minutes": buffer_minutes}.items():
        if minutes % 15:
            raise RuleViolation(name, "durations and buffers are multiples of 15 minutes")


def rules_of(office: Document) -> OfficeRules:
    settings = OfficeSettings.model_validate(office.get("settings") or {})
    return OfficeRules(
        opening=tuple((o.weekday, o.opens, o.closes) for o in settings.opening_hours),
        closed_days=frozenset(settings.closed_days),
        durations={
            "first_guidance": settings.first_guidance_minutes,
            "follow_up": settings.follow_up_minutes,
        },
        buffer_minutes=settings.buffer_minutes,
        minimum_notice_hours=settings.minimum_notice_hours,
    )
