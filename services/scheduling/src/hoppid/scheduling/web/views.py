"""How the pages show times: Oslo wall-clock time, with day and month names in the page's
language (Jinja filters; the language is the page's ``lang``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import jinja2

from hoppid.scheduling.model import OSLO

WEEKDAYS = {
    "nb": ["mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"],
    "nn": ["måndag", "tysdag", "onsdag", "torsdag", "fredag", "laurdag", "søndag"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
}
_NORSK_MONTHS = "januar februar mars april mai juni juli august september oktober november desember"
MONTHS = {
    "nb": _NORSK_MONTHS.split(),
    "nn": _NORSK_MONTHS.split(),
    "en": [
        *("January", "February", "March", "April", "May", "June", "July", "August"),
        *("September", "October", "November", "December"),
    ],
}


def day_text(day: date, lang: str) -> str:
    """'tirsdag 3. desember' / 'Tuesday 3 December'."""
    weekday, month = WEEKDAYS[lang][day.weekday()], MONTHS[lang][day.month - 1]
    return f"{weekday} {day.day} {month}" if lang == "en" else f"{weekday} {day.day}. {month}"


def oslo(instant: datetime) -> datetime:
    return instant.astimezone(OSLO)


def clock(instant: datetime) -> str:
    return f"{oslo(instant):%H:%M}"


@jinja2.pass_context
def _when(context: Any, instant: datetime) -> str:
    """A meeting's start: the Oslo day and time of day."""
    local = oslo(instant)
    return f"{day_text(local.date(), context['lang'])} {clock(instant)}"


@jinja2.pass_context
def _day(context: Any, value: date | str) -> str:
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return day_text(day, context["lang"])


def install_filters(environment: jinja2.Environment) -> None:
    environment.filters["when"] = _when
    environment.filters["day"] = _day
    environment.filters["clock"] = clock
