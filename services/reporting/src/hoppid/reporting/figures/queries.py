"""reporting's read side: figures, funnel, time series, funder indicators and drill-down.

Queries read the cells of the active version matching a filter and sum them in Python (cells
are few: offices x municipalities x months). Additive counters are summed as they are;
distinct counts (people, enterprises) take the level field that matches the filter (see
the root model.py), so a person with cases in two months or two offices is still one person.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from hoppid.reporting.figures.model import (
    Period,
    Totals,
    months_between,
    per,
    ratio,
    scope_of,
    yearly_budget,
)
from hoppid.reporting.figures.public import municipality_names
from hoppid.reporting.figures.waits import wait, wait_summary
from hoppid.reporting.model import FUNNEL, RuleViolation, level_field
from hoppid.reporting.projection.desks import FIGURES as DESK_FIGURES
from hoppid.reporting.projection.meetings import FIGURES as MEETING_FIGURES
from hoppid.reporting.projection.programmes import FIGURES as PROGRAMME_FIGURES
from hoppid.reporting.projection.store import ProjectionStore

Row = dict[str, Any]
GroupBy = Literal["office", "municipality", "none"]

NEEDS = ("guidance", "course", "application_help", "network_introduction", "office_seat")
STAGES = ("idea", "starting", "running")
ADDITIVE = (
    "inquiries",
    *(f"need_{need}" for need in NEEDS),
    *(f"stage_{stage}" for stage in STAGES),
    "companies_registered",
    "companies_within_12_months",
    "applications_recorded",
    "applications_asked_nok",
    "applications_granted",
    "granted_amount_nok",
    "applications_rejected",
    "applications_withdrawn",
    "introductions",
    *(f"funnel_{stage}" for stage in FUNNEL),
    *MEETING_FIGURES,
    *PROGRAMME_FIGURES,
    *DESK_FIGURES,
)
DISTINCT = ("people_served", "rco01", "rco04", "rco05")
MAX_SERIES = 240

INDICATORS = (
    ("RCO01", "rco01", "Enterprises supported (of which: micro, small, medium, large)"),
    ("RCO04", "rco04", "Enterprises with non-financial support"),
    ("RCO05", "rco05", "New enterprises supported"),
)


@dataclass(frozen=True)
class Filter:
    office: str | None = None
    municipality: str | None = None
    period: Period = field(default_factory=Period)

    def query(self) -> dict[str, Any]:
        query: dict[str, Any] = dict(self.period.cell_filter())
        if self.office:
            query["office"] = self.office
        if self.municipality:
            query["municipality"] = self.municipality
        return query

    def field(self, metric: str) -> str:
        """The level field holding this distinct metric for this filter."""
        return level_field(metric, scope_of(self.office, self.municipality), self.period.kind)


# --- figures ---------------------------------------------------------------------------------


async def figures(store: ProjectionStore, where: Filter, group_by: GroupBy) -> list[Row]:
    cells = await store.find_cells(where.query())
    cases = await store.cases_with_meetings(where.query())
    offices = {office["_id"]: office for office in await store.all_offices()}
    if group_by == "none":
        return [_figure_row(where, cells, cases, offices)]
    keys = sorted({cell[group_by] for cell in cells})
    return [
        _figure_row(
            replace(where, **{group_by: key}),
            [c for c in cells if c[group_by] == key],
            [c for c in cases if c["opened"][group_by] == key],
            offices,
        )
        for key in keys
    ]


def _figure_row(
    where: Filter,
    cells: Sequence[Mapping[str, Any]],
    cases: Sequence[Mapping[str, Any]],
    offices: Mapping[str, Any],
) -> Row:
    totals = Totals.of(cells)
    row: Row = _where_columns(where, offices)
    row.update({name: totals.get(name) for name in ADDITIVE if not name.startswith("funnel_")})
    row["people_served"] = totals.get(where.field("people_served"))
    row["conversion_rate"] = ratio(totals.get("funnel_company"), totals.get("inquiries"))
    budget = _budget(where, offices)
    row["budget_eur"] = budget
    row["cost_per_person_served_eur"] = per(budget, row["people_served"])
    row["cost_per_company_eur"] = per(budget, row["companies_registered"])
    row.update(wait_summary([found[0] for found in _waits(cases)]))
    row["desk_occupancy"] = ratio(
        totals.get("desk_half_days_used"), totals.get("desk_half_days_booked")
    )
    return row


def _waits(cases: Sequence[Mapping[str, Any]]) -> list[tuple[float, tuple[str, ...]]]:
    """Each case's days to its first meeting, with the events behind it, in case order; a
    case retention dropped left its days only (``wait_days``, no events: retention.py)."""
    waits = [
        (case["_id"], (case["wait_days"], ()) if "wait_days" in case else wait(case))
        for case in cases
    ]
    return [found for _, found in sorted(waits, key=lambda pair: pair[0]) if found is not None]


def _where_columns(where: Filter, offices: Mapping[str, Any]) -> Row:
    return {
        "office": where.office or "",
        "office_name": _office_name(offices.get(where.office or "")),
        "municipality": where.municipality or "",
        "municipality_name": municipality_names().get(where.municipality or "", ""),
        "period": where.period.text or "all",
    }


def _office_name(office: Mapping[str, Any] | None) -> str:
    if not office:
        return ""
    changes = sorted(office["changes"].values(), key=lambda change: change["at"])
    return str(changes[-1]["name"])


def _budget(where: Filter, offices: Mapping[str, Any]) -> float | None:
    """The budget behind the figures: an office's (or every office's) for the period.

    None for all time and for a municipality (an office's budget does not divide by them).
    """
    if where.municipality or where.period.kind == "all":
        return None
    if where.office:
        chosen = [offices[where.office]] if where.office in offices else []
    else:
        chosen = list(offices.values())
    year = int(where.period.text[:4])
    budgets = [yearly_budget(office["changes"].values(), year) for office in chosen]
    known = [budget for budget in budgets if budget is not None]
    if not known:
        return None
    total = float(sum(known))
    return round(total / 12, 2) if where.period.kind == "month" else total


# --- funnel, series, indicators --------------------------------------------------------------


async def funnel(store: ProjectionStore, where: Filter) -> list[Row]:
    """Of the cases opened in the period (a cohort), how many got how far, to this day."""
    totals = Totals.of(await store.find_cells(where.query()))
    inquiries = totals.get("inquiries")
    stages = [("inquiries", inquiries)] + [(s, totals.get(f"funnel_{s}")) for s in FUNNEL]
    return [
        {"stage": stage, "cases": count, "share_of_inquiries": ratio(count, inquiries)}
        for stage, count in stages
    ]


async def series(store: ProjectionStore, where: Filter, first: Period, last: Period) -> list[Row]:
    """Figures per month (from, to as months) or per year (from, to as years)."""
    if first.kind == "all" or first.kind != last.kind:
        raise RuleViolation("to", "from and to must both be months (2026-01) or both years")
    if last.text < first.text:
        raise RuleViolation("to", "to comes before from")
    periods = (
        months_between(first.text, last.text)
        if first.kind == "month"
        else [str(year) for year in range(int(first.text), int(last.text) + 1)]
    )
    if len(periods) > MAX_SERIES:
        raise RuleViolation("to", f"at most {MAX_SERIES} periods at a time")
    rows = []
    for text in periods:
        rows.extend(await figures(store, replace(where, period=Period(text)), "none"))
    return rows


async def indicators(store: ProjectionStore, where: Filter) -> list[Row]:
    """EU cohesion policy output indicators, each enterprise counted once (docs/reporting.md)."""
    totals = Totals.of(await store.find_cells(where.query()))
    offices = {office["_id"]: office for office in await store.all_offices()}
    base = _where_columns(where, offices)
    rows = []
    for code, metric, name in INDICATORS:
        value = totals.get(where.field(metric))
        row = {**base, "indicator": code, "name": name, "value": value}
        if code == "RCO01":  # intake records no company size yet: all of it is "unknown"
            row.update({"micro": None, "small": None, "medium": None, "large": None})
            row["size_unknown"] = value
        rows.append(row)
    return rows


# --- drill-down --------------------------------------------------------------------------------

WAIT_FIGURES = (
    "cases_with_first_meeting",
    "days_to_first_meeting_median",
    "days_to_first_meeting_p90",
)
DRILLABLE = (*ADDITIVE, *DISTINCT, *WAIT_FIGURES)


async def drill_down(store: ProjectionStore, where: Filter, figure: str, limit: int) -> Row:
    """The event ids behind one figure: every contribution that added to it, and by how much."""
    if figure not in DRILLABLE:
        raise RuleViolation("figure", f"one of: {', '.join(DRILLABLE)}")
    if figure in WAIT_FIGURES:
        return await _drill_waits(store, where, figure, limit)
    counter = where.field(figure) if figure in DISTINCT else figure
    cells = await store.find_cells(where.query())
    entries = [e for e in await store.ledger_of([c["_id"] for c in cells]) if counter in e["inc"]]
    events = list(dict.fromkeys(event for entry in entries for event in entry["events"]))
    return {
        **_where_columns(where, {}),
        "figure": figure,
        "value": sum(int(entry["inc"][counter]) for entry in entries),
        "contributions": [
            {"events": entry["events"], "added": entry["inc"][counter]} for entry in entries
        ][:limit],
        "event_ids": events[:limit],
        "truncated": len(events) > limit or len(entries) > limit,
    }


async def _drill_waits(store: ProjectionStore, where: Filter, figure: str, limit: int) -> Row:
    """Behind the time to first meeting: per case, its opening and first meeting's events."""
    waits = _waits(await store.cases_with_meetings(where.query()))
    events = list(dict.fromkeys(event for _, found in waits for event in found))
    return {
        **_where_columns(where, {}),
        "figure": figure,
        "value": wait_summary([days for days, _ in waits])[figure],
        "contributions": [
            {"events": list(found), "added": 1, "days": round(days, 2)} for days, found in waits
        ][:limit],
        "event_ids": events[:limit],
        "truncated": len(events) > limit or len(waits) > limit,
    }
