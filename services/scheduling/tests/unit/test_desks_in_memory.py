"""The desks' use cases on the in-memory repository (desks.memory): a half day booked, a second
booking of the same half day refused, released and booked again, a whole day, a check-in, the
no-show release, and a desk renamed or removed. No stack: the offices are two documents in a
dictionary, the clock a fixed moment (a Monday morning in Oslo)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

import pytest

from hoppid.scheduling.context import Context
from hoppid.scheduling.desks import desk_changes
from hoppid.scheduling.desks import use_cases as desks
from hoppid.scheduling.desks.forms import DeskForm, SeatForm
from hoppid.scheduling.desks.memory import MemoryDeskStore
from hoppid.shared.access import Staff
from hoppid.shared.problems import Conflict

OFFICE = {"_id": "nordveggen", "municipalities": ["1539"]}
MONDAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 6, 30, tzinfo=UTC)  # 07:30 in Oslo, before the morning half
ADMIN = Staff(key_id="k-admin", office_id="nordveggen", role="office_admin")
ADVISOR = Staff(key_id="k-advisor", office_id="nordveggen", role="advisor")


class Offices:
    """What the use cases read of the offices and of whose cases are where (the service's
    store on the stack): one office, no cases seen."""

    claim_grace = timedelta(seconds=60)

    async def office(self, office_id: str) -> dict[str, Any] | None:
        return dict(OFFICE) if office_id == OFFICE["_id"] else None

    async def case_owner(self, case_id: str) -> tuple[str, str] | None:
        return None

    async def offices_of_person(self, person_id: str) -> set[str]:
        return set()


class Clock:
    def __init__(self) -> None:
        self.at = NOW

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def seats(clock: Clock) -> desks.Desks:
    ctx = Context(
        store=cast(Any, Offices()),
        notify=lambda: None,
        public_url="http://scheduling.test",
        offer_count=5,
        offer_days=14,
        vault=cast(Any, None),  # desks seal nothing
        now=clock,
    )
    return desks.Desks(ctx, MemoryDeskStore(), timedelta(minutes=30))


def memory(seats: desks.Desks) -> MemoryDeskStore:
    return cast(MemoryDeskStore, seats.store)


def event_types(seats: desks.Desks) -> list[str]:
    return [".".join(e.type.split(".")[-3:-1]) for e in memory(seats).events]


async def test_a_half_day_is_booked_once_then_released_and_booked_again(
    seats: desks.Desks,
) -> None:
    desk = await desks.add_desk(seats, ADMIN, "nordveggen", DeskForm(name="Vindusplass"))
    form = SeatForm(day=MONDAY, half="morning", desk_id=desk["_id"], person_id="p1")
    [first] = await desks.book(seats, ADVISOR, "nordveggen", form)
    assert (first["claim"], first["status"]) == (f"{desk['_id']}@2026-03-02@morning", "booked")
    # the no-show time: 10:00 Oslo, two hours into the half
    assert first["release_at"] == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    with pytest.raises(Conflict, match="no desk is free"):
        await desks.book(seats, ADVISOR, "nordveggen", form.model_copy(update={"person_id": "p2"}))

    released = await desks.cancel(seats, ADVISOR, "nordveggen", first["_id"])
    assert released["status"] == "released" and released["reason"] == "cancelled"
    with pytest.raises(Conflict, match="ended already"):
        await desks.cancel(seats, ADVISOR, "nordveggen", first["_id"])
    [again] = await desks.book(seats, ADVISOR, "nordveggen", form)
    assert again["_id"] != first["_id"]
    assert event_types(seats) == ["seat.booked", "seat.released", "seat.booked"]


async def test_a_whole_day_takes_both_halves_of_one_desk(seats: desks.Desks) -> None:
    one = await desks.add_desk(seats, ADMIN, "nordveggen", DeskForm(name="Én"))
    two = await desks.add_desk(seats, ADMIN, "nordveggen", DeskForm(name="To"))
    afternoon = SeatForm(day=MONDAY, half="afternoon", desk_id=one["_id"], person_id="p1")
    await desks.book(seats, ADVISOR, "nordveggen", afternoon)
    whole = await desks.book(seats, ADVISOR, "nordveggen", SeatForm(day=MONDAY, half="day"))
    assert [(b["desk_id"], b["half"]) for b in whole] == [
        (two["_id"], "morning"),
        (two["_id"], "afternoon"),
    ]  # the first desk's afternoon is taken: the whole day goes to the other


async def test_a_check_in_keeps_the_seat_and_a_no_show_is_released_once(
    seats: desks.Desks, clock: Clock
) -> None:
    desk = await desks.add_desk(seats, ADMIN, "nordveggen", DeskForm(name="Vindusplass"))
    morning = SeatForm(day=MONDAY, half="morning", desk_id=desk["_id"], person_id="p1")
    [kept] = await desks.book(seats, ADVISOR, "nordveggen", morning)
    afternoon = morning.model_copy(update={"half": "afternoon", "person_id": "p2"})
    [missed] = await desks.book(seats, ADVISOR, "nordveggen", afternoon)
    clock.at = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    checked_in = await desks.check_in(seats, ADVISOR, "nordveggen", kept["_id"])
    assert checked_in["status"] == "checked_in" and checked_in["release_at"] is None

    clock.at = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)  # 14:00 Oslo: the afternoon's no-show
    assert await desks.release_no_shows(seats, None) == [missed["_id"]]
    assert await desks.release_no_shows(seats, None) == []
    after = await seats.store.booking(missed["_id"])
    assert after is not None and (after["status"], after["reason"]) == ("released", "no_show")
    assert (await seats.store.booking(kept["_id"]) or {})["status"] == "checked_in"


async def test_a_desk_with_bookings_to_come_is_not_removed(seats: desks.Desks) -> None:
    desk = await desks.add_desk(seats, ADMIN, "nordveggen", DeskForm(name="Vindusplass"))
    renamed = await desk_changes.change_desk(
        seats, ADMIN, "nordveggen", desk["_id"], DeskForm(name="Hjørnet")
    )
    assert renamed["name"] == "Hjørnet"
    form = SeatForm(day=MONDAY, half="morning", desk_id=desk["_id"], person_id="p1")
    [booking] = await desks.book(seats, ADVISOR, "nordveggen", form)
    with pytest.raises(desk_changes.DeskInUse) as refused:
        await desk_changes.remove_desk(seats, ADMIN, "nordveggen", desk["_id"])
    assert refused.value.held == 1
    assert (await seats.store.desk("nordveggen", desk["_id"]) or {})["active"] is True

    await desks.cancel(seats, ADVISOR, "nordveggen", booking["_id"])
    removed = await desk_changes.remove_desk(seats, ADMIN, "nordveggen", desk["_id"])
    assert removed["active"] is False
    with pytest.raises(Conflict, match="no desk is free"):
        await desks.book(seats, ADVISOR, "nordveggen", SeatForm(day=MONDAY, half="afternoon"))
