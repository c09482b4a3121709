"""The desks' repository contract: the same cases on the in-memory repository (desks.memory,
the fast lane) and on ``DeskStore`` against the stack's store (marked integration), so the
unit tests of the use cases on memory stand for what the store does: one held booking per desk
and half day, changes only while their expectation holds, the same documents read back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hoppid.scheduling.desks.memory import MemoryDeskStore
from hoppid.scheduling.desks.store import HELD, INDEXES, DeskRepository, DeskStore, claim_of
from hoppid.shared.testing import CONTRACT_SIDES, fresh_database

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
DAY = "2026-03-02"


@pytest.fixture(params=CONTRACT_SIDES)
async def repository(request: pytest.FixtureRequest) -> AsyncIterator[DeskRepository]:
    if request.param == "memory":
        yield MemoryDeskStore()
        return
    async with fresh_database("test_desks", INDEXES) as database:
        yield DeskStore(database, "contract.hoppid.scheduling")


def seat(
    booking_id: str, desk_id: str = "d1", half: str = "morning", day: str = DAY, **more: Any
) -> Any:
    return {
        "_id": booking_id,
        "office_id": "nordveggen",
        "desk_id": desk_id,
        "day": day,
        "half": half,
        "claim": claim_of(desk_id, day, half),
        "person_id": more.pop("person_id", "p1"),
        "status": "booked",
        "booked_at": NOW,
        "release_at": NOW + timedelta(hours=2),
        **more,
    }


async def test_a_half_day_is_held_by_one_booking(repository: DeskRepository) -> None:
    assert await repository.book(seat("b1"), [])
    assert not await repository.book(seat("b2"), [])  # the same desk@day@half
    assert await repository.book(seat("b3", half="afternoon"), [])
    assert await repository.book(seat("b4", desk_id="d0"), [])
    assert await repository.booking("b1") == seat("b1")
    assert await repository.booking("b2") is None
    assert await repository.claimed("nordveggen", DAY) == {
        "d1@2026-03-02@morning",
        "d1@2026-03-02@afternoon",
        "d0@2026-03-02@morning",
    }
    office = await repository.of_office("nordveggen", DAY)
    assert [b["_id"] for b in office] == ["b4", "b3", "b1"]  # by desk, then half
    assert await repository.of_office("molde", DAY) == []


async def test_a_change_holds_only_while_its_expectation_does(repository: DeskRepository) -> None:
    await repository.book(seat("b1"), [])
    checked_in = await repository.check_in("b1", NOW, [])
    assert checked_in is not None
    assert (checked_in["status"], checked_in["checked_in_at"], checked_in["release_at"]) == (
        "checked_in",
        NOW,
        None,
    )
    assert await repository.check_in("b1", NOW, []) is None  # not booked any more
    assert await repository.release("b1", ["booked"], "no_show", NOW, []) is None
    released = await repository.release("b1", HELD, "cancelled", NOW, [])
    assert released is not None
    assert {k: released[k] for k in ("status", "reason", "released_at", "claim")} == {
        "status": "released",
        "reason": "cancelled",
        "released_at": NOW,
        "claim": "released:b1",
    }
    assert await repository.release("b1", HELD, "cancelled", NOW, []) is None
    assert await repository.book(seat("b2"), [])  # the half day is free again


async def test_a_no_show_is_released_once_and_only_when_due(repository: DeskRepository) -> None:
    await repository.book(seat("b1"), [])
    await repository.book(seat("b2", half="afternoon", release_at=NOW + timedelta(hours=6)), [])
    due = NOW + timedelta(hours=2)
    assert [b["_id"] for b in await repository.no_shows(due)] == ["b1"]
    assert await repository.no_shows(due, "molde") == []
    late = due + timedelta(minutes=5)
    assert await repository.release("b1", ["booked"], "no_show", due, [], late) is None
    assert await repository.release("b1", ["booked"], "no_show", due, [], due) is not None
    assert await repository.no_shows(due) == []


async def test_bookings_to_come_of_a_desk_and_of_a_person(repository: DeskRepository) -> None:
    await repository.book(seat("b1", day="2026-03-03"), [])
    await repository.book(seat("b2", day="2026-03-01"), [])
    await repository.book(seat("b3", day="2026-03-02", person_id="p2"), [])
    await repository.book(seat("b4", day="2026-03-04"), [])
    await repository.release("b4", HELD, "cancelled", NOW, [])
    held = await repository.held_from("d1", DAY)
    assert held == [
        {"_id": "b3", "day": "2026-03-02", "half": "morning", "status": "booked"},
        {"_id": "b1", "day": "2026-03-03", "half": "morning", "status": "booked"},
    ]
    assert sorted(b["_id"] for b in await repository.of_person("p1")) == ["b1", "b2", "b4"]
    assert await repository.anonymise_days_before(DAY, NOW) == 1  # b2, the day before
    assert await repository.anonymise_days_before(DAY, NOW) == 0
    assert (await repository.booking("b2") or {})["person_id"] is None


async def test_a_desk_is_renamed_retired_and_restored(repository: DeskRepository) -> None:
    await repository.insert_desk({"_id": "d2", "office_id": "nordveggen", "name": "To"})
    await repository.insert_desk(
        {"_id": "d1", "office_id": "nordveggen", "name": "Én", "active": True}
    )
    assert [d["_id"] for d in await repository.desks("nordveggen")] == ["d1", "d2"]
    assert await repository.desk("molde", "d1") is None
    renamed = await repository.rename_desk("nordveggen", "d2", "Hjørnet")  # no field: active
    assert renamed == {"_id": "d2", "office_id": "nordveggen", "name": "Hjørnet"}
    retired = await repository.retire_desk("nordveggen", "d1", NOW)
    assert retired is not None and (retired["active"], retired["removed_at"]) == (False, NOW)
    assert await repository.retire_desk("nordveggen", "d1", NOW) is None
    assert await repository.rename_desk("nordveggen", "d1", "Igjen") is None
    assert await repository.rename_desk("molde", "d2", "Feil") is None
    await repository.restore_desk("nordveggen", "d1")
    restored = await repository.desk("nordveggen", "d1")
    assert restored is not None and (restored["active"], restored["removed_at"]) == (True, None)
