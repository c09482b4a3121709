"""Business gauges for Prometheus: this year's figures per office (label: office, never a person).

They are refreshed from the active read model when the service connects and after each event
a projection handles for an office, so they follow the figures the API gives.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Gauge

from hoppid.reporting.figures.model import Totals
from hoppid.reporting.model import OSLO, level_field
from hoppid.reporting.projection.store import ProjectionStore
from hoppid.shared.clock import real_now

# gauge name part -> (counter in the cells, help text)
FIGURES = {
    "inquiries": ("inquiries", "Inquiries (cases opened) this year"),
    "people_served": (level_field("people_served", "o", "year"), "People served this year"),
    "companies_registered": ("companies_registered", "Companies registered this year"),
    "applications_recorded": ("applications_recorded", "Applications helped with this year"),
    "applications_granted": ("applications_granted", "Applications granted this year"),
    "granted_amount_nok": ("granted_amount_nok", "Amount granted this year, NOK"),
    "introductions": ("introductions", "Network introductions this year"),
    "programme_enrolments": (
        "programme_enrolments",
        "Programme enrolments (net of cancellations) this year",
    ),
    "programme_attendances": ("programme_attendances", "Programme session attendances this year"),
    "school_participants": ("school_participants", "School programme pupils enrolled this year"),
    "desk_half_days_booked": ("desk_half_days_booked", "Desk half days booked this year"),
    "desk_half_days_used": ("desk_half_days_used", "Desk half days checked in this year"),
    "desk_half_days_no_show": (
        "desk_half_days_no_show",
        "Desk half days released as no-show this year",
    ),
}


class BusinessGauges:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.gauges = {
            name: Gauge(f"hoppid_reporting_{name}_this_year", text, ["office"], registry=registry)
            for name, (_, text) in FIGURES.items()
        }

    async def refresh(self, store: ProjectionStore, office: str | None = None) -> None:
        """Set the gauges of one office (or of every office with figures this year)."""
        year = real_now().astimezone(OSLO).strftime("%Y")
        query = {"year": year, **({"office": office} if office else {})}
        cells = await store.find_cells(query)
        offices = {office} if office else {cell["office"] for cell in cells}
        for name in sorted(offices):
            totals = Totals.of(cell for cell in cells if cell["office"] == name)
            for gauge_name, (counter, _) in FIGURES.items():
                self.gauges[gauge_name].labels(name).set(totals.get(counter))
