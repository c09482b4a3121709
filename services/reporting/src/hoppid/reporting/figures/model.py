"""The figures' rules, pure Python: periods, filters' scope, summing cells, ratios, budgets.

Queries (queries.py), the gauges and the pages read cells by these; how cells are made is the
root model's (hoppid.reporting.model).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from hoppid.reporting.model import OSLO, RuleViolation

PERIOD_PATTERN = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2]))?$")

Scope = Literal["om", "o", "m", "c"]
PeriodKind = Literal["month", "year", "all"]


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
