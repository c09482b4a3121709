"""reporting's shared rules, pure Python: cells, contributions, counting levels, digests.

A *cell* is one (office, municipality, month) of figures. Every event turns into
*contributions*: named, deterministic increments of one cell (``opened:<case>`` adds one
inquiry to the cell of the month the case opened). A contribution is applied once whatever
delivers it (a duplicate, a redelivery, a later event that re-derives it), so the figures depend
only on the set of events seen, never on their order or repetition.

Distinct counts (people served, enterprises) are not additive across months or offices, so
each is kept at every *level* a query can ask for: scope (``om`` office+municipality, ``o``
office, ``m`` municipality, ``c`` county) times period (``month``, ``year``, ``all``). The first
case of a person within one level's key claims it, and its cell gets +1 in that level's field;
summing a level's field over the cells inside the key gives the distinct count.

The projection (projection/) derives contributions by these rules, the rebuild (rebuild/) and
retention write and drop them, the figures (figures/) read them back: what only one of them
needs is in its own package (a case's contributions: projection/cases.py; periods and totals:
figures/model.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from hoppid.shared.problems import FieldProblem

OSLO = ZoneInfo("Europe/Oslo")
COUNTY = "county"
UNKNOWN_MUNICIPALITY = "0000"  # figures no event places in a municipality
FUNNEL = ("contacted", "in_guidance", "company")
DISTINCT_METRICS = ("people_served", "rco01", "rco04", "rco05")
SCOPES = ("om", "o", "m", "c")
PERIODS = ("month", "year", "all")


class RuleViolation(FieldProblem):
    """Bad input the caller can fix; the API answers 422 naming ``field`` (the shared problem,
    as intake's and scheduling's rule violations)."""


@dataclass(frozen=True)
class Cell:
    office: str
    municipality: str
    month: str  # YYYY-MM in Europe/Oslo

    @property
    def id(self) -> str:
        return f"{self.office}|{self.municipality}|{self.month}"

    @property
    def year(self) -> str:
        return self.month[:4]


@dataclass(frozen=True)
class Contribution:
    """+``inc`` to one cell, once, whatever delivers it; ``events`` are the ids behind it."""

    id: str
    cell: Cell
    inc: Mapping[str, int]
    events: tuple[str, ...]


@dataclass(frozen=True)
class Distinct:
    """One entity (a person, an enterprise) to count once per level, in ``metrics``."""

    id: str
    cell: Cell
    metrics: tuple[str, ...]
    entity: str
    events: tuple[str, ...]


Derived = Contribution | Distinct


def oslo_month(moment: datetime) -> str:
    return moment.astimezone(OSLO).strftime("%Y-%m")


def oslo_date(moment: datetime) -> date:
    return moment.astimezone(OSLO).date()


def digest(kind: str, value: str) -> str:
    """A one-way stand-in for an id, so the store holds no person id or org number."""
    return hashlib.sha256(f"hoppid-reporting:{kind}:{value}".encode()).hexdigest()[:32]


def within_12_months(first_contact: datetime, registered_on: date) -> bool:
    start = oslo_date(first_contact)
    try:
        limit = start.replace(year=start.year + 1)
    except ValueError:  # 29 February
        limit = start.replace(year=start.year + 1, day=28)
    return registered_on <= limit


# --- levels ----------------------------------------------------------------------------------


def level_field(metric: str, scope: str, period: str) -> str:
    return f"{metric}_{scope}_{period}"


def level_keys(cell: Cell) -> dict[tuple[str, str], str]:
    """Each level's key for this cell: what one claim of an entity is unique within."""
    scopes = {
        "om": f"{cell.office}/{cell.municipality}",
        "o": cell.office,
        "m": cell.municipality,
        "c": COUNTY,
    }
    periods = {"month": cell.month, "year": cell.year, "all": "all"}
    return {
        (scope, period): f"{scopes[scope]}@{periods[period]}"
        for scope in SCOPES
        for period in PERIODS
    }


def claim_id(metric: str, level_key: str, entity: str) -> str:
    return f"{metric}|{level_key}|{entity}"
