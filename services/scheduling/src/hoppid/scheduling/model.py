"""The rules every feature of scheduling shares: pure Python, no I/O.

Norwegian public holidays (computed from Easter), wall-clock times in Europe/Oslo turned into
UTC safely across daylight-saving changes, the times reminders fall due (meetings and programme
sessions alike) and :class:`RuleViolation`, the refusal that names the field to fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from hoppid.shared.problems import FieldProblem

OSLO = ZoneInfo("Europe/Oslo")


class RuleViolation(FieldProblem):
    """A domain rule refuses the request; ``field`` names what the client should fix (422)."""


# --- Norwegian public holidays -----------------------------------------------------------------


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * l_) // 433
    month = (h + l_ - 7 * m + 90) // 25
    return date(year, month, (h + l_ - 7 * m + 33 * month + 19) % 32)


@lru_cache(maxsize=64)
def public_holidays(year: int) -> Mapping[date, str]:
    """The public holidays of Norway (helligdager and the two state holidays) in a year."""
    easter = easter_sunday(year)
    moving = {
        -3: "Skjærtorsdag",
        -2: "Langfredag",
        0: "Første påskedag",
        1: "Andre påskedag",
        39: "Kristi himmelfartsdag",
        49: "Første pinsedag",
        50: "Andre pinsedag",
    }
    days = {easter + timedelta(days=offset): name for offset, name in moving.items()}
    days.update(
        {
            date(year, 1, 1): "Første nyttårsdag",
            date(year, 5, 1): "Arbeidernes dag",
            date(year, 5, 17): "Grunnlovsdag",
            date(year, 12, 25): "Første juledag",
            date(year, 12, 26): "Andre juledag",
        }
    )
    return days


def is_public_holiday(day: date) -> bool:
    return day in public_holidays(day.year)


# --- Oslo wall-clock time to UTC ----------------------------------------------------------------


def oslo_instant(day: date, at: time) -> datetime | None:
    """The UTC instant of a wall-clock time in Oslo; None if that time does not exist that day
    (02:00-03:00 when the clocks go forward). An ambiguous time (when they go back) is the
    first of the two (summer time)."""
    local = datetime.combine(day, at, tzinfo=OSLO)
    instant = local.astimezone(UTC)
    if instant.astimezone(OSLO).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return instant


def existing_oslo_instant(day: date, at: time) -> datetime:
    """:func:`oslo_instant` of a time the clocks never skip (midnight, office hours: they jump
    at 02:00-03:00); asked for a skipped one, the caller's mistake is raised, not returned."""
    instant = oslo_instant(day, at)
    if instant is None:
        raise ValueError(f"{at} does not exist in Oslo on {day} (the clocks go forward)")
    return instant


def oslo_day(instant: datetime) -> date:
    return instant.astimezone(OSLO).date()


def days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


# --- reminders ---------------------------------------------------------------------------------

REMINDERS: dict[str, timedelta] = {"24h": timedelta(hours=24), "2h": timedelta(hours=2)}


@dataclass(frozen=True)
class ReminderPlan:
    """The reminders still to send for a meeting, and when the next one is due."""

    pending: tuple[str, ...]
    next_at: datetime | None


def reminder_plan(
    start: datetime, now: datetime, pending: Iterable[str] = REMINDERS
) -> ReminderPlan:
    """Reminders whose time has not passed yet when the meeting is booked or moved.

    A meeting booked 10 hours ahead gets only its 2-hour reminder: a "24 hours before" message
    sent 10 hours before would be wrong, so a reminder already past is dropped, never sent late.
    """
    kept = tuple(kind for kind in pending if start - REMINDERS[kind] > now)
    return ReminderPlan(kept, min((start - REMINDERS[k] for k in kept), default=None))


def due_reminders(start: datetime, now: datetime, pending: Iterable[str]) -> tuple[str, ...]:
    return tuple(kind for kind in pending if start - REMINDERS[kind] <= now)
