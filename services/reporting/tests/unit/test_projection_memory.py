"""The projection's handlers on the in-memory store: the figures depend on the set of events
seen, not on their order or repetition, and a dropped case's late events change nothing.

The in-memory store leaves the Mongo store's documents (integration/test_memory_projection.py).
"""

import copy
from datetime import UTC, datetime, timedelta
from itertools import permutations
from typing import Any

from hoppid.contracts import intake as ev
from hoppid.contracts import scheduling as sc
from hoppid.reporting.model import Cell, Contribution
from hoppid.reporting.projection.handlers import project
from hoppid.reporting.projection.memory import MemoryProjection
from hoppid.reporting.projection.store import Projecting
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event

CASE, BOOKING, OFFICE, MUNICIPALITY = "case-1", "booking-1", "nordveggen", "1539"
OPENED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
START = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
Delivery = tuple[Event, Envelope]


def opened() -> Delivery:
    event = ev.CaseOpened(
        case_id=CASE,
        office_id=OFFICE,
        person_id="person-1",
        reference="HOP-CASE-0001",
        municipality=MUNICIPALITY,
        needs=["guidance"],
        stage="idea",
        language="nb",
        meeting_mode="digital",
        opened_at=OPENED_AT,
        first_case_of_person=True,
    )
    envelope = event.to_envelope(
        source=ev.SOURCE, subject=CASE, office=OFFICE, municipality=MUNICIPALITY
    )
    return event, envelope


def status(to_status: str, at: datetime) -> Delivery:
    event = ev.CaseStatusChanged(
        case_id=CASE,
        office_id=OFFICE,
        from_status="new",
        to_status=to_status,
        changed_at=at,
    )
    envelope = event.to_envelope(
        source=ev.SOURCE, subject=CASE, office=OFFICE, municipality=MUNICIPALITY
    )
    return event, envelope


def _meeting(event: Event) -> Delivery:
    return event, event.to_envelope(source=sc.SOURCE, subject=BOOKING, office=OFFICE)


IDS = {"booking_id": BOOKING, "case_id": CASE, "office_id": OFFICE, "person_id": "person-1"}


def booked() -> Delivery:
    return _meeting(
        sc.MeetingBooked(
            **IDS,
            advisor_id="adv-1",
            meeting_type="first_guidance",
            mode="in_person",
            start=START,
            end=START + timedelta(hours=1),
            booked_by="entrepreneur",
            booked_at=OPENED_AT + timedelta(hours=1),
        )
    )


def held() -> Delivery:
    return _meeting(
        sc.MeetingHeld(
            **IDS,
            advisor_id="adv-1",
            meeting_type="first_guidance",
            start=START,
            recorded_at=START + timedelta(hours=2),
        )
    )


async def projected(deliveries: list[Delivery]) -> MemoryProjection:
    store = MemoryProjection()
    typed: Projecting = store  # the handlers' protocol, checked by mypy
    for event, envelope in deliveries:
        await project(typed, event, envelope)
    return store


def counters(store: MemoryProjection) -> dict[str, dict[str, int]]:
    return {cell_id: cell["c"] for cell_id, cell in store.cells.items()}


async def test_a_case_and_its_meeting_count_the_same_in_any_order_and_twice() -> None:
    deliveries = [opened(), booked(), held()]
    results = []
    for order in permutations(deliveries):
        results.append(counters(await projected(list(order))))
        twice = [delivery for delivery in order for _ in range(2)]
        results.append(counters(await projected(twice)))
        results.append(counters(await projected([*order, *reversed(order)])))

    cell = f"{OFFICE}|{MUNICIPALITY}|2026-03"
    first = results[0]
    assert list(first) == [cell]
    figures = first[cell]
    assert figures["inquiries"] == 1
    assert figures["need_guidance"] == 1
    assert figures["stage_idea"] == 1
    assert figures["meetings_booked"] == 1
    assert figures["meetings_held"] == 1
    assert figures["people_served_c_all"] == 1
    assert all(result == first for result in results)


async def test_a_meeting_before_its_case_waits_for_the_opening() -> None:
    store = await projected([booked(), held()])
    assert store.cells == {}
    assert set(store.facts["cases"][CASE]["meetings"][BOOKING]) == {"booked", "held"}

    for event, envelope in [opened()]:
        await project(store, event, envelope)
    assert counters(store)[f"{OFFICE}|{MUNICIPALITY}|2026-03"]["meetings_held"] == 1


async def test_a_dropped_cases_late_events_change_nothing() -> None:
    store = await projected([opened(), booked(), status("contacted", OPENED_AT)])
    store.drop(CASE)
    before: dict[str, Any] = copy.deepcopy(store.collections())

    late = [held(), status("in_guidance", START), opened(), booked()]
    for event, envelope in late:
        await project(store, event, envelope)

    assert store.collections() == before
    assert await store.is_dropped(CASE)
    assert not await store.is_dropped("case-2")


async def test_contributions_apply_once_and_the_first_claim_stays() -> None:
    store = await projected([opened()])
    ledger, claims = copy.deepcopy(store.ledger), copy.deepcopy(store.claims)
    first = counters(store)

    for event, envelope in [opened(), opened()]:  # a redelivery, and the same case again
        await project(store, event, envelope)

    assert counters(store) == first
    assert store.ledger == ledger
    assert store.claims == claims
    assert {claim["owner"] for claim in claims.values()} == {f"people:{CASE}"}
    done = store.facts["cases"][CASE]["done"]
    assert f"opened:{CASE}" in done
    assert len(done) == len(set(done))  # each contribution marked once, as $addToSet does


async def test_facts_handed_out_are_copies() -> None:
    store = MemoryProjection()
    case = await store.record_case(CASE, {"meetings.b1.booked": {"month": "2026-03"}})
    case["meetings"]["b1"]["booked"]["month"] = "changed"
    assert store.facts["cases"][CASE] == {
        "_id": CASE,
        "meetings": {"b1": {"booked": {"month": "2026-03"}}},
    }


async def test_the_store_applies_a_contribution_once_and_keeps_its_first_ledger_entry() -> None:
    store = MemoryProjection()
    cell = Cell(OFFICE, MUNICIPALITY, "2026-03")
    first = Contribution("application:a1", cell, {"applications_recorded": 1}, ("e1",))
    again = Contribution("application:a1", cell, {"applications_recorded": 1}, ("e2",))

    assert await store.apply(first)
    assert not await store.apply(again)
    assert not await store.apply(Contribution("nothing:a1", cell, {}, ("e3",)))

    assert store.cells[cell.id]["c"] == {"applications_recorded": 1}
    assert store.ledger["application:a1"]["events"] == ["e1"]
    assert "nothing:a1" not in store.ledger
