"""reporting's rules, pure Python: cells, contributions, counting levels, periods.

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
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from hoppid.shared.problems import FieldProblem

OSLO = ZoneInfo("Europe/Oslo")
COUNTY = "county"
UNKNOWN_MUNICIPALITY = "0000"  # figures no event places in a municipality
FUNNEL = ("contacted", "in_guidance", "company")
STATUS_RANK = {"contacted": 1, "in_guidance": 2, "company_registered": 3}
DISTINCT_METRICS = ("people_served", "rco01", "rco04", "rco05")
SCOPES = ("om", "o", "m", "c")
PERIODS = ("month", "year", "all")
PERIOD_PATTERN = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2]))?$")

Scope = Literal["om", "o", "m", "c"]
PeriodKind = Literal["month", "year", "all"]


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


def scope_of(office: str | None, municipality: str | None) -> Scope:
    if office and municipality:
        return "om"
    if office:
        return "o"
    if municipality:
        return "m"
    return "c"


# --- periods ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """``2026-11`` (a month), ``2026`` (a year) or all time (empty)."""

    text: str = ""

    @classmethod
    def parse(cls, text: str | None, field: str = "period") -> Period:
        if not text:
            return cls("")
        if not PERIOD_PATTERN.match(text):
            raise RuleViolation(field, f"{text!r} is not a year (2026) or a month (2026-11)")
        return cls(text)

    @property
    def kind(self) -> PeriodKind:
        if not self.text:
            return "all"
        return "month" if len(self.text) == 7 else "year"

    def cell_filter(self) -> dict[str, Any]:
        if self.kind == "month":
            return {"month": self.text}
        if self.kind == "year":
            return {"year": self.text}
        return {}


def months_between(first: str, last: str) -> list[str]:
    """Every YYYY-MM from ``first`` to ``last`` inclusive."""
    year, month = int(first[:4]), int(first[5:])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# --- case facts -> contributions -------------------------------------------------------------


def derive_case(case_id: str, facts: Mapping[str, Any]) -> list[Derived]:
    """Everything a case's facts contribute; grows as facts arrive, in any order."""
    opened, company = facts.get("opened"), facts.get("company")
    derived: list[Derived] = []
    if opened:
        derived += _opened(case_id, opened)
        derived += _funnel(case_id, opened, facts.get("reached", {}), company)
    if company:
        derived += _company(case_id, company)
    return derived


def _cell(fact: Mapping[str, Any]) -> Cell:
    return Cell(fact["office"], fact["municipality"], fact["month"])


def _opened(case_id: str, opened: Mapping[str, Any]) -> list[Derived]:
    cell, events = _cell(opened), (opened["event"],)
    inc = {"inquiries": 1, **{f"need_{need}": 1 for need in opened["needs"]}}
    inc[f"stage_{opened['stage']}"] = 1
    derived: list[Derived] = [
        Contribution(f"opened:{case_id}", cell, inc, events),
        Distinct(f"people:{case_id}", cell, ("people_served",), opened["person"], events),
    ]
    if opened["stage"] == "running":  # an enterprise already: supported, non-financially
        entity = f"p:{opened['person']}"
        derived.append(Distinct(f"enterprise:{case_id}", cell, ("rco01", "rco04"), entity, events))
    return derived


def _funnel(
    case_id: str,
    opened: Mapping[str, Any],
    reached: Mapping[str, str],
    company: Mapping[str, Any] | None,
) -> list[Derived]:
    """The case counts in every funnel stage up to the furthest it reached (cohort: opening)."""
    ranks = {STATUS_RANK[status]: event for status, event in reached.items()}
    if company:
        ranks.setdefault(3, company["event"])
    if not ranks:
        return []
    furthest = max(ranks)
    source = ranks[furthest]
    return [
        Contribution(
            f"funnel:{stage}:{case_id}",
            _cell(opened),
            {f"funnel_{stage}": 1},
            (opened["event"], ranks.get(rank, source)),
        )
        for rank, stage in enumerate(FUNNEL, start=1)
        if rank <= furthest
    ]


def _company(case_id: str, company: Mapping[str, Any]) -> list[Derived]:
    cell, events = _cell(company), (company["event"],)
    inc = {"companies_registered": 1, "companies_within_12_months": int(company["within_12"])}
    return [
        Contribution(f"company:{case_id}", cell, inc, events),
        Distinct(
            f"new_enterprise:{case_id}",
            cell,
            ("rco01", "rco04", "rco05"),
            f"org:{company['org']}",
            events,
        ),
    ]


# --- reading: summing cells into figures -----------------------------------------------------


@dataclass
class Totals:
    """Summed counters of some cells."""

    counters: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, cells: Iterable[Mapping[str, Any]]) -> Totals:
        totals: dict[str, int] = {}
        for cell in cells:
            for name, value in cell.get("c", {}).items():
                totals[name] = totals.get(name, 0) + int(value)
        return cls(totals)

    def get(self, name: str) -> int:
        return self.counters.get(name, 0)


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def per(budget: float | None, count: int) -> float | None:
    return round(budget / count, 2) if budget is not None and count else None


def yearly_budget(changes: Iterable[Mapping[str, Any]], year: int) -> int | None:
    """The office's budget for ``year``: the last change made before the year ended.

    An office first known after that year (intake publishes offices when it starts) is taken
    at its earliest known budget: the best figure there is.
    """
    known = sorted(changes, key=lambda change: (change["at"], change["event"]))
    if not known:
        return None
    end = datetime(year + 1, 1, 1, tzinfo=OSLO)
    before = [change for change in known if change["at"] < end]
    return int((before[-1] if before else known[0])["eur"])
