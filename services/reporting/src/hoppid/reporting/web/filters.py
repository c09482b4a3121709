"""The figures pages' filters, read from the query string of a GET form (no personal data in
them): period, municipality, office and the comparison's measure. Bad values become field errors
(the page answers 422 naming the field), never a 500."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.datastructures import QueryParams

from hoppid.reporting.figures.model import Period
from hoppid.reporting.figures.public import municipality_names
from hoppid.reporting.model import OSLO, RuleViolation
from hoppid.reporting.projection.store import ProjectionStore

OFFICE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,40}$")
MEASURES = ("inquiries", "people_served", "meetings_held", "companies_registered")
SERIES_MONTHS = 12


@dataclass
class Chosen:
    period: Period = field(default_factory=Period)
    municipality: str | None = None
    office: str | None = None
    measure: str = MEASURES[0]
    errors: dict[str, str] = field(default_factory=dict)
    period_text: str = ""  # as typed: a wrong period is shown again to be corrected

    def form_values(self) -> dict[str, str]:
        """The filters as the form shows them again (and the CSV links carry them)."""
        return {
            "period": self.period_text,
            "municipality": self.municipality or "",
            "office": self.office or "",
            "measure": self.measure,
        }


def read(params: QueryParams) -> Chosen:
    chosen = Chosen(period_text=params.get("period", "").strip()[:20])
    try:
        chosen.period = Period.parse(chosen.period_text or None)
    except RuleViolation:
        chosen.errors["period"] = "filter_period_invalid"
    municipality = params.get("municipality", "")
    if municipality and municipality not in municipality_names():
        chosen.errors["municipality"] = "filter_municipality_invalid"
    chosen.municipality = municipality or None
    office = params.get("office", "")
    if office and not OFFICE_PATTERN.match(office):
        chosen.errors["office"] = "filter_office_invalid"
    chosen.office = office or None
    measure = params.get("measure", MEASURES[0])
    if measure not in MEASURES:
        chosen.errors["measure"] = "filter_measure_invalid"
    else:
        chosen.measure = measure
    return chosen


def series_months(period: Period, now: datetime) -> tuple[Period, Period]:
    """The months the time series shows: a year's twelve, else the twelve up to the chosen
    (or the current, Europe/Oslo) month."""
    if period.kind == "year":
        return Period(f"{period.text}-01"), Period(f"{period.text}-12")
    last = period.text if period.kind == "month" else now.astimezone(OSLO).strftime("%Y-%m")
    year, month = int(last[:4]), int(last[5:])
    month -= SERIES_MONTHS - 1
    while month < 1:
        year, month = year - 1, month + 12
    first = f"{year:04d}-{month:02d}"
    return Period(first), Period(last)


def municipality_options() -> list[tuple[str, str]]:
    return sorted(municipality_names().items(), key=lambda item: item[1])


async def office_options(store: ProjectionStore) -> list[tuple[str, str]]:
    """Every office reporting knows, by its latest name."""
    found = []
    for office in await store.all_offices():
        changes: list[dict[str, Any]] = sorted(
            office.get("changes", {}).values(), key=lambda change: change["at"]
        )
        found.append((str(office["_id"]), str(changes[-1]["name"]) if changes else office["_id"]))
    return sorted(found, key=lambda item: item[1])
