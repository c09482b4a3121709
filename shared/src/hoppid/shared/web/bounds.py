"""Bounds for what a request may ask: days, date ranges and offsets the services can compute with.

An unbounded number or date reaches arithmetic and the store before anything checks it: an
offset beyond 8 bytes makes PyMongo raise OverflowError, 9999-12-31 plus a day overflows
``date``, and a century-long slot search computes a century of slots; a NUL character in a
text cannot be stored under the local store. Each is a 422 naming the field, like any other
invalid input, never a 500.
"""

from __future__ import annotations

import contextlib
import json
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator, AwareDatetime

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


def _instant_within_years(instant: datetime) -> datetime:
    _within_years(instant.date())  # its own day: converting 0001-01-01T00:00+01:00 overflows
    return instant


# an instant with its offset the platform can do arithmetic with (a reminder a day before it)
Instant = Annotated[AwareDatetime, AfterValidator(_instant_within_years)]


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


NUL = "\x00"


async def no_nul_characters(request: Request) -> None:
    """422 naming the field when a path, query, JSON or form value (or a JSON key) holds a NUL
    character. No text of the platform means one, and PostgreSQL (under the local store) cannot
    store it: a name or label with one was a 503 "store unavailable" that no retry could end.
    An app-wide dependency: it runs before a route's own parameters and body are read."""
    found: list[tuple[str | int, ...]] = []
    found += [("path", name) for name, value in request.path_params.items() if NUL in str(value)]
    found += [("query", name) for name, value in request.query_params.multi_items() if NUL in value]
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        with contextlib.suppress(ValueError):  # not JSON at all: the route's parsing says so
            found += [("body", *where) for where in _nul_in(json.loads(await request.body()))]
    elif content_type.startswith("application/x-www-form-urlencoded"):
        form = await request.form()
        found += [("body", name) for name, value in form.multi_items() if NUL in str(value)]
    if found:
        raise RequestValidationError(
            [
                {"type": "value_error", "loc": loc, "msg": "must not hold a NUL character"}
                for loc in dict.fromkeys(found)
            ]
        )


def _nul_in(value: Any, where: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    if isinstance(value, str):
        return [where] if NUL in value else []
    if isinstance(value, dict):
        found = [(*where, key) for key in value if NUL in key]
        return found + [w for key, item in value.items() for w in _nul_in(item, (*where, key))]
    if isinstance(value, list):
        return [w for index, item in enumerate(value) for w in _nul_in(item, (*where, index))]
    return []
