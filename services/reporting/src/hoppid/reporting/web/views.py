"""What the figures pages show, from the rows the JSON API answers with (figures/queries.py): the
figure table, and each chart with the table of the same numbers beside it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from hoppid.reporting.web import charts
from hoppid.reporting.web.numbers import Kind, shown
from hoppid.shared.web.i18n import Translate

Row = dict[str, Any]

# the figures an office page lists, in this order, with how each is written
FIGURES: tuple[tuple[str, Kind], ...] = (
    ("inquiries", "count"),
    ("people_served", "count"),
    ("meetings_booked", "count"),
    ("meetings_held", "count"),
    ("meetings_no_show", "count"),
    ("days_to_first_meeting_median", "days"),
    ("companies_registered", "count"),
    ("companies_within_12_months", "count"),
    ("conversion_rate", "share"),
    ("applications_recorded", "count"),
    ("applications_granted", "count"),
    ("granted_amount_nok", "nok"),
    ("introductions", "count"),
    ("programme_enrolments", "count"),
    ("programme_attendances", "count"),
    ("desk_half_days_booked", "count"),
    ("desk_occupancy", "share"),
    ("budget_eur", "eur"),
    ("cost_per_person_served_eur", "eur"),
    ("cost_per_company_eur", "eur"),
)
COMPARED: tuple[tuple[str, Kind], ...] = (
    ("inquiries", "count"),
    ("people_served", "count"),
    ("meetings_held", "count"),
    ("companies_registered", "count"),
    ("conversion_rate", "share"),
)


@dataclass(frozen=True)
class Chart:
    svg: Markup
    headers: list[str]
    rows: list[list[str]]  # first cell: the row's name (a th), then the numbers


def figure_table(row: Row, t: Translate, lang: str) -> list[tuple[str, str]]:
    return [(t(f"fig_{name}"), shown(row.get(name), kind, lang)) for name, kind in FIGURES]


def comparison(rows: Sequence[Row], measure: str, t: Translate, lang: str) -> Chart:
    title = t("chart_comparison_title", measure=t(f"fig_{measure}").lower())
    points = [
        charts.Point(_office(row), float(row[measure] or 0), shown(row[measure], "count", lang))
        for row in rows
    ]
    return Chart(
        charts.bars("chart-comparison", title, points),
        [t("col_office"), *(t(f"fig_{name}") for name, _ in COMPARED)],
        [[_office(row), *(shown(row.get(n), kind, lang) for n, kind in COMPARED)] for row in rows],
    )


def funnel(rows: Sequence[Row], t: Translate, lang: str) -> Chart:
    points = [
        charts.Point(
            t(f"funnel_{row['stage']}"), float(row["cases"]), shown(row["cases"], "count", lang)
        )
        for row in rows
    ]
    return Chart(
        charts.bars("chart-funnel", t("chart_funnel_title"), points),
        [t("col_stage"), t("col_cases"), t("col_share_of_inquiries")],
        [
            [point.label, point.shown, shown(row["share_of_inquiries"], "share", lang)]
            for point, row in zip(points, rows, strict=True)
        ],
    )


def series(rows: Sequence[Row], t: Translate, lang: str) -> Chart:
    points = [
        charts.Point(
            _month(row["period"], t),
            float(row["inquiries"]),
            shown(row["inquiries"], "count", lang),
        )
        for row in rows
    ]
    return Chart(
        charts.columns("chart-series", t("chart_series_title"), points),
        [t("col_month"), t("fig_inquiries"), t("fig_meetings_held"), t("fig_companies_registered")],
        [
            [
                row["period"],
                shown(row["inquiries"], "count", lang),
                shown(row["meetings_held"], "count", lang),
                shown(row["companies_registered"], "count", lang),
            ]
            for row in rows
        ],
    )


def _office(row: Row) -> str:
    return str(row.get("office_name") or row.get("office") or "")


def _month(period: str, t: Translate) -> str:
    """A column's label: the month's short name (the table beside it has the year)."""
    return t(f"month_{int(period[5:7])}")
