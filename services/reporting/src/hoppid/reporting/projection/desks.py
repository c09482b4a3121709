"""Office seats (desks) from scheduling, pure Python: half days booked, used and no-shows.

Seat events carry the office, the day (Oslo) and, since their optional ``municipality`` field,
the municipality they count for (the office's first; scheduling puts the same one on every
event of a booking). They count in that cell for the month of the booked day; events without it
(older ones) in the office's cell of municipality ``0000``. A cancellation takes back from the
cell its booking was counted in. Each seat
booking is one half day; its facts (``booked``, ``checked_in``, ``released`` with its reason) are
recorded per booking and every contribution follows from facts that, once known, stay true, so
the figures do not depend on the order the events arrive in:

- ``seat_booked:<id>``: +1 ``desk_half_days_booked``;
- ``seat_used:<id>``: +1 ``desk_half_days_used`` (checked in);
- ``seat_no_show:<id>``: +1 ``desk_half_days_no_show`` (released by the no-show rule; it stays
  booked: the desk was held for nobody);
- ``seat_cancelled:<id>``: -1 ``desk_half_days_booked`` once booked and released as cancelled;
- ``seat_kept:<id>``: +1 ``desk_half_days_booked`` again when the cancelled booking had been
  checked in (the person left early: the half day was used, so it stays booked).

So booked = booked minus cancelled before use, and occupancy = used / booked (at query time).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hoppid.reporting.model import UNKNOWN_MUNICIPALITY, Cell, Contribution

FIGURES = ("desk_half_days_booked", "desk_half_days_used", "desk_half_days_no_show")


def derive_seat(booking_id: str, facts: Mapping[str, Any]) -> list[Contribution]:
    booked, used, released = facts.get("booked"), facts.get("checked_in"), facts.get("released")
    derived: list[Contribution] = []

    def add(name: str, fact: Mapping[str, Any], inc: dict[str, int], *more: str) -> None:
        cell = Cell(fact["office"], fact.get("municipality") or UNKNOWN_MUNICIPALITY, fact["month"])
        events = tuple(dict.fromkeys((fact["event"], *more)))
        derived.append(Contribution(f"{name}:{booking_id}", cell, inc, events))

    if booked:
        add("seat_booked", booked, {"desk_half_days_booked": 1})
    if used:
        add("seat_used", used, {"desk_half_days_used": 1})
    if released and released["reason"] == "no_show":
        add("seat_no_show", released, {"desk_half_days_no_show": 1})
    if booked and released and released["reason"] == "cancelled":
        # both offset the booked half day: in its cell, whatever the release's event says
        add(
            "seat_cancelled",
            {**released, **_cell_of(booked)},
            {"desk_half_days_booked": -1},
            booked["event"],
        )
        if used:
            add(
                "seat_kept",
                {**used, **_cell_of(booked)},
                {"desk_half_days_booked": 1},
                released["event"],
            )
    return derived


def _cell_of(fact: Mapping[str, Any]) -> dict[str, Any]:
    return {"office": fact["office"], "municipality": fact.get("municipality")}
