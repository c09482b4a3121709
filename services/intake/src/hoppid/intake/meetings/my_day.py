"""An advisor's day on their start page ("my cases"): their meetings today and later this week,
and the applications due in the next 14 days on the cases assigned to them that have no
decision yet.

The day is Europe/Oslo's: today's from the injected clock (the context's ``now``), or the day
the page is asked for (``?day=YYYY-MM-DD``, to look ahead or back); its bounds are Oslo's
midnights in UTC, so a day across a clock change has its 23 or 25 hours.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import TypeAdapter, ValidationError
from pymongo.asynchronous.database import AsyncDatabase

from hoppid.intake.meetings.shown import with_when
from hoppid.intake.meetings.store import CaseMeetings, Document
from hoppid.intake.model import OSLO
from hoppid.shared.access import Staff
from hoppid.shared.web.bounds import Day

DUE_DAYS = 14
_DAY: TypeAdapter[date] = TypeAdapter(Day)


@dataclass(frozen=True)
class Window:
    day: date
    start: datetime  # the day's first moment (UTC)
    tomorrow: datetime  # the next day's
    week_end: datetime  # the next Monday's: "this week" ends on Sunday night
    due_last: date  # the last day an application may be due and still be shown


def oslo_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=OSLO).astimezone(UTC)


def window(now: datetime, day: date | None = None) -> Window:
    """The bounds of ``day``, else of ``now``'s day in Oslo."""
    shown = day or now.astimezone(OSLO).date()
    monday = shown - timedelta(days=shown.weekday())
    return Window(
        shown,
        oslo_midnight(shown),
        oslo_midnight(shown + timedelta(days=1)),
        oslo_midnight(monday + timedelta(days=7)),
        shown + timedelta(days=DUE_DAYS),
    )


def asked_day(value: str | None) -> date | None:
    """The ``day`` query parameter (None when not given); ValueError when it is no day."""
    if not value:
        return None
    try:
        return _DAY.validate_python(value)
    except ValidationError as error:
        raise ValueError("day") from error


@dataclass(frozen=True)
class MyDay:
    day: date
    today: list[Document]
    later: list[Document]  # after today, to Sunday
    due: list[Document]  # {case_id, reference, programme, deadline, deadline_shown}
    references: dict[str, str]  # case id → reference, for the meetings' links
    asked: str = ""  # the day as typed, shown again when it was refused
    error: str | None = None  # the text key of the refusal of ``asked``


async def on_start_page(
    database: AsyncDatabase[Document], staff: Staff, now: datetime, asked: str | None
) -> MyDay | None:
    """The day for the "my cases" page: None for staff with no advisor record (an API key);
    today's, with the error, when ``asked`` is no day."""
    if not staff.advisor_id:
        return None
    meetings = CaseMeetings(database)
    try:
        day = asked_day(asked)
    except ValueError:
        today = await my_day(meetings, staff, now, None)
        return replace(today, asked=asked or "", error="error_day")
    return await my_day(meetings, staff, now, day)


async def my_day(meetings: CaseMeetings, staff: Staff, now: datetime, day: date | None) -> MyDay:
    """The signed-in advisor's day (``staff.advisor_id`` must be set)."""
    advisor = staff.advisor_id or ""
    bounds = window(now, day)
    week = await meetings.of_advisor(staff.office_id, advisor, bounds.start, bounds.week_end)
    today = [m for m in week if m["start"] < bounds.tomorrow]
    later = [m for m in week if m["start"] >= bounds.tomorrow]
    first, last = bounds.day.isoformat(), bounds.due_last.isoformat()
    cases = await meetings.due_on_cases(staff.office_id, advisor, first, last)
    due = sorted(
        (_due(case, a) for case in cases for a in case.get("applications", [])
         if not a.get("outcome") and first <= (a.get("deadline") or "") <= last),
        key=lambda d: (d["deadline"], d["reference"]),
    )  # fmt: skip
    ids = sorted({m["case_id"] for m in week})
    references = await meetings.references(staff.office_id, ids) if ids else {}
    return MyDay(bounds.day, with_when(today), with_when(later), due, references)


def _due(case: Document, application: dict[str, Any]) -> Document:
    return {
        "case_id": case["_id"],
        "reference": case["reference"],
        "programme": application.get("programme", ""),
        "deadline": application["deadline"],
        "deadline_shown": date.fromisoformat(application["deadline"]).strftime("%d.%m.%Y"),
    }
