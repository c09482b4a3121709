"""Bounds for what a request may ask: days, date ranges and offsets the services can compute with.

An unbounded number or date reaches arithmetic and the store before anything checks it: an
offset beyond 8 bytes makes PyMongo raise OverflowError, 9999-12-31 plus a day overflows
``date``, and a century-long slot search computes a century of slots. Each is a 422 naming the
field, like any other invalid input, never a 500.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
# far beyond any office's list (a county holds some 50,000 cases in five years)
MOST_OFFSET = 1_000_000


def _within_years(day: date) -> date:
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"must be between {EARLIEST} and {LATEST}")
    return day


# a calendar day the platform can do arithmetic with
Day = Annotated[date, AfterValidator(_within_years)]


def day_or(text: str, fallback: date) -> date:
    """The day an ISO date in a page's query names, or ``fallback`` if it names none in bounds."""
    try:
        return _within_years(date.fromisoformat(text))
    except ValueError:
        return fallback


def check_range(first: date, last: date, most_days: int, names: tuple[str, str]) -> None:
    """422 naming the second field when ``last`` is before ``first`` or too far after it."""
    problem = None
    if last < first:
        problem = f"must not be before {names[0]}"
    elif (last - first).days > most_days:
        problem = f"must be at most {most_days} days after {names[0]}"
    if problem:
        raise RequestValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ("query", names[1]),
                    "msg": problem,
                    "input": str(last),
                }
            ]
        )
