"""The meetings' repository contract: the same cases on the in-memory repository
(meetings.memory, the fast lane) and on the service's store against the stack (marked
integration), so the unit tests of booking, changes and the handlers on memory stand for what
the store does: a cell another booking holds is refused (all or nothing), a stale claim gives
way, a booking changes only while it is as it was read, one offer per case-opened event, and the
busy times' conditional writes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hoppid.scheduling.meetings.memory import MemoryMeetings
from hoppid.scheduling.meetings.repository import MeetingRepository
from hoppid.scheduling.meetings.store import INDEXES, Move, claim_id
from hoppid.scheduling.store import SchedulingStore
from hoppid.shared.testing import CONTRACT_SIDES, fresh_database

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
GRACE = timedelta(seconds=60)
NINE = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)


def cells(start: datetime, count: int) -> list[datetime]:
    return [start + timedelta(minutes=15 * n) for n in range(count)]


@pytest.fixture(params=CONTRACT_SIDES)
async def repository(request: pytest.FixtureRequest) -> AsyncIterator[MeetingRepository]:
    if request.param == "memory":
        yield MemoryMeetings(GRACE)
        return
    async with fresh_database("test_meetings", INDEXES) as database:
        yield SchedulingStore(database, "contract.hoppid.scheduling", GRACE)


def booking(booking_id: str, start: datetime = NINE, **more: Any) -> dict[str, Any]:
    held = cells(start, 4)
    return {
        "_id": booking_id,
        "office_id": more.pop("office_id", "nordveggen"),
        "case_id": f"case-{booking_id}",
        "person_id": more.pop("person_id", "p1"),
        "advisor_id": more.pop("advisor_id", "a1"),
        "meeting_type": "first_guidance",
        "mode": "digital",
        "start": start,
        "end": start + timedelta(hours=1),
        "cells": held,
        "claim_ids": [claim_id("a1", c) for c in held],
        "status": "booked",
        "reminders": ["24h", "2h"],
        "reminder_at": start - timedelta(hours=24),
        "sequence": 0,
        "join_url": "https://meet.example/x",
        "history": [{"status": "booked", "at": NOW, "by": "k1"}],
        "created_at": NOW,
        **more,
    }


def offer(offer_id: str, case_id: str, at: datetime, **more: Any) -> dict[str, Any]:
    return {
        "_id": offer_id,
        "case_id": case_id,
        "office_id": more.pop("office_id", "nordveggen"),
        "person_id": more.pop("person_id", "p1"),
        "municipality": more.pop("municipality", "1539"),
        "language": "nb",
        "mode": "digital",
        "slots": [],
        "created_at": at,
        **more,
    }


async def marks(repository: MeetingRepository) -> list[str]:
    found = await repository.busy_documents("nordveggen")
    return sorted(str(d["booking_id"]) for d in found if "booking_id" in d)


async def test_a_cell_another_booking_holds_is_refused_all_or_nothing(
    repository: MeetingRepository,
) -> None:
    assert await repository.claim("nordveggen", "a1", cells(NINE, 4), "b1", NOW)
    assert await marks(repository) == ["b1"]  # busy to searches while it is being written
    # b2 starts half an hour earlier: its first two cells are free, the third is b1's
    earlier = NINE - timedelta(minutes=30)
    assert not await repository.claim("nordveggen", "a1", cells(earlier, 4), "b2", NOW)
    assert await marks(repository) == ["b1"]  # the loser's mark is gone with it
    # nothing of b2 was kept: b3 gets those first two cells
    assert await repository.claim("nordveggen", "a1", cells(earlier, 2), "b3", NOW)
    # another advisor's cells are their own
    assert await repository.claim("nordveggen", "a2", cells(NINE, 4), "b4", NOW)
    # the same booking claiming again (a retry) keeps what it holds
    assert await repository.claim("nordveggen", "a1", cells(NINE, 4), "b1", NOW)
    await repository.written("b1")
    assert await marks(repository) == ["b3", "b4"]


async def test_released_and_stale_claims_give_way_listed_ones_do_not(
    repository: MeetingRepository,
) -> None:
    assert await repository.claim("nordveggen", "a1", cells(NINE, 4), "b1", NOW)
    await repository.insert_booking(booking("b1"), [])
    later = NOW + GRACE * 2  # past the grace period: b1's claims are listed by b1, so held
    assert not await repository.claim("nordveggen", "a1", cells(NINE, 1), "b2", later)
    # b1 keeps its first two cells only: the others are free at once
    keep = [claim_id("a1", c) for c in cells(NINE, 2)]
    await repository.release_claims("b1", keep=keep)
    assert await repository.claim("nordveggen", "a1", cells(NINE, 4)[2:], "b3", NOW)
    assert not await repository.claim("nordveggen", "a1", cells(NINE, 1), "b3", NOW)
    # a crash left b9's claim: no booking lists it; young, it holds; past the grace, it goes
    crash = NINE + timedelta(hours=2)
    assert await repository.claim("nordveggen", "a1", cells(crash, 2), "b9", NOW)
    assert not await repository.claim("nordveggen", "a1", cells(crash, 2), "b5", NOW + GRACE)
    assert await repository.claim("nordveggen", "a1", cells(crash, 2), "b5", later)


async def test_marks_and_busy_entries(repository: MeetingRepository) -> None:
    assert await repository.claim("nordveggen", "a1", cells(NINE, 2), "b1", NOW)
    assert await repository.claim("nordveggen", "a1", cells(NINE, 2), "b2", NOW) is False
    (mark,) = [d for d in await repository.busy_documents("nordveggen") if "booking_id" in d]
    assert mark["advisor_id"] == "a1" and mark["cells"] == cells(NINE, 2) and mark["at"] == NOW
    await repository.drop_marks([mark["_id"]], NOW)  # not older than that: kept
    assert await marks(repository) == ["b1"]
    await repository.drop_marks([mark["_id"]], NOW + GRACE)
    assert await marks(repository) == []

    await repository.write_busy_entry("nordveggen", "nordveggen#3", "b1", "a1 100 100")
    assert await repository.busy_entry("nordveggen#3", "b1") == "a1 100 100"
    # a conditional write that no longer holds changes nothing
    await repository.write_busy_entry("nordveggen", "nordveggen#3", "b1", "a1 200", "a1 999")
    await repository.write_busy_entry("nordveggen", "nordveggen#3", "b1", "a1 200", None)
    assert await repository.busy_entry("nordveggen#3", "b1") == "a1 100 100"
    await repository.write_busy_entry("nordveggen", "nordveggen#3", "b2", "a1 300", None)
    await repository.write_busy_entry("nordveggen", "nordveggen#3", "b1", None, "a1 100 100")
    assert await repository.busy_entry("nordveggen#3", "b1") is None
    (bucket,) = await repository.busy_documents("nordveggen")
    assert bucket == {"_id": "nordveggen#3", "office_id": "nordveggen", "busy": {"b2": "a1 300"}}
    assert await repository.busy_documents("molde") == []


async def test_a_booking_is_read_within_its_office_with_its_entry_fields(
    repository: MeetingRepository,
) -> None:
    await repository.insert_booking(booking("b1"), [])
    await repository.insert_booking(booking("b2", NINE + timedelta(days=1), status="held"), [])
    await repository.insert_booking(booking("b3", NINE - timedelta(days=9)), [])
    assert await repository.booking("nordveggen", "b1") == booking("b1")
    assert await repository.booking("molde", "b1") is None
    fields = {"_id", "advisor_id", "start", "cells", "status", "office_id"}
    entry = await repository.booking_entry_fields("b1")
    assert entry is not None and set(entry) == fields and entry["cells"] == cells(NINE, 4)
    assert await repository.booking_entry_fields("b1", "molde") is None
    booked = await repository.booked_entry_fields("nordveggen", NINE - timedelta(days=1))
    assert [b["_id"] for b in booked] == ["b1"]  # b2 was held, b3 is before


async def test_a_booking_changes_only_while_it_is_as_it_was_read(
    repository: MeetingRepository,
) -> None:
    await repository.insert_booking(booking("b1"), [])
    read = booking("b1")
    later = NINE + timedelta(hours=3)
    to = Move(
        "a2", "office", later, later + timedelta(hours=1), cells(later, 4), ["c"], None, [], None
    )
    moved = await repository.move_booking(read, to, "k2", NOW, [])
    assert moved is not None
    assert (moved["advisor_id"], moved["start"], moved["sequence"]) == ("a2", later, 1)
    assert moved["join_url"] == read["join_url"]  # no new link: the old one is kept
    assert moved["history"][-1] == {"status": "rescheduled", "at": NOW, "by": "k2"}
    assert await repository.move_booking(read, to, "k2", NOW, []) is None  # read before the move
    assert await repository.cancel_booking(read, "staff", "k2", NOW, []) is None  # likewise

    cancelled = await repository.cancel_booking(moved, "illness", "k2", NOW, [])
    assert cancelled is not None
    assert (cancelled["status"], cancelled["sequence"], cancelled["claim_ids"]) == (
        "cancelled",
        2,
        [],
    )
    assert "join_url" not in cancelled and cancelled["reminder_at"] is None
    assert cancelled["history"][-1]["reason"] == "illness"
    assert await repository.booking("nordveggen", "b1") == cancelled
    # a cancelled meeting cannot move, be cancelled again or be held
    assert await repository.move_booking(cancelled, to, "k2", NOW, []) is None
    assert await repository.cancel_booking(cancelled, "again", "k2", NOW, []) is None
    assert await repository.record_outcome("b1", "held", "k2", NOW, []) is None

    await repository.insert_booking(booking("b2"), [])
    held = await repository.record_outcome("b2", "held", "k2", NOW, [])
    assert held is not None and held["status"] == "held"
    assert await repository.record_outcome("b2", "missed", "k2", NOW, []) is None


async def test_reminders_advance_once(repository: MeetingRepository) -> None:
    await repository.insert_booking(booking("b1"), [])
    await repository.insert_booking(booking("b2", NINE + timedelta(days=3)), [])
    due_at = NINE - timedelta(hours=24)
    assert [b["_id"] for b in await repository.reminders_due(due_at)] == ["b1"]
    read = (await repository.reminders_due(due_at))[0]
    after = NINE - timedelta(hours=2)
    advanced = await repository.advance_reminders(read, ["2h"], after, [])
    assert advanced is not None and (advanced["reminders"], advanced["reminder_at"]) == (
        ["2h"],
        after,
    )
    assert await repository.advance_reminders(read, ["2h"], after, []) is None  # done already
    assert await repository.reminders_due(due_at) == []


async def test_bookings_of_a_person_an_office_and_an_advisor(
    repository: MeetingRepository,
) -> None:
    tomorrow = NINE + timedelta(days=1)
    await repository.insert_booking(booking("b2", tomorrow), [])
    await repository.insert_booking(booking("b1"), [])
    await repository.insert_booking(booking("b3", NINE + timedelta(hours=2), person_id="p2"), [])
    an_hour_on = tomorrow + timedelta(hours=1)
    await repository.insert_booking(
        booking("b4", an_hour_on, office_id="molde", advisor_id="a9"), []
    )
    await repository.cancel_booking(booking("b2", tomorrow), "staff", "k1", NOW, [])

    assert [b["_id"] for b in await repository.bookings_of_person("p1")] == ["b1", "b2", "b4"]
    assert sorted(b["_id"] for b in await repository.booked_of_person("p1", NINE)) == ["b1", "b4"]
    assert [b["_id"] for b in await repository.booked_of_person("p1", tomorrow)] == ["b4"]
    day = await repository.bookings_of_office("nordveggen", NINE, tomorrow)
    assert [b["_id"] for b in day] == ["b1", "b3"]
    assert [b["_id"] for b in await repository.bookings_of_advisor("a1", NINE)] == [
        "b1",
        "b3",
        "b2",
    ]
    assert [b["_id"] for b in await repository.bookings_of_advisor("a9", an_hour_on)] == ["b4"]
    assert await repository.bookings_of_advisor("a9", an_hour_on + timedelta(minutes=1)) == []


async def test_one_offer_per_event_and_what_offers_tell(repository: MeetingRepository) -> None:
    first, second = NOW, NOW + timedelta(days=1)
    assert await repository.insert_offer(offer("e1", "c1", first, municipality="1507"), [])
    assert not await repository.insert_offer(offer("e1", "c1", first, municipality="9999"), [])
    assert await repository.insert_offer(offer("e2", "c1", second, municipality=None), [])
    assert await repository.insert_offer(
        offer("e3", "c2", first + timedelta(hours=1), office_id="molde"), []
    )
    assert await repository.insert_offer(offer("e4", "c3", first, person_id="p2"), [])

    assert [o["_id"] for o in await repository.offers_of_person("p1")] == ["e1", "e3", "e2"]
    assert await repository.case_owner("c1") == ("nordveggen", "p1")
    assert await repository.case_owner("nobody") is None
    assert await repository.offices_of_person("p1") == {"nordveggen", "molde"}
    assert await repository.offices_of_person("p9") == set()
    # the newest offer with a municipality: the case's, else the person's latest case's
    assert await repository.case_municipality("c1", "p1") == "1507"
    assert await repository.case_municipality(None, "p2") == "1539"
    assert await repository.case_municipality("nobody", "p1") is None

    await repository.assign_case_advisor("c1", "a7")
    newest = await repository.case_offer("c1")
    assert newest is not None and newest["_id"] == "e2" and newest["case_advisor_id"] == "a7"
    assert [o.get("case_advisor_id") for o in await repository.offers_of_person("p1")] == [
        "a7",
        None,
        "a7",
    ]
    assert await repository.case_offer("nobody") is None


async def test_retention_anonymises_past_meetings_once_and_deletes_old_offers(
    repository: MeetingRepository,
) -> None:
    later = NINE + timedelta(days=2)
    await repository.insert_booking(booking("b1"), [])
    await repository.insert_booking(booking("b2", later), [])
    await repository.insert_offer(offer("e1", "c1", NOW), [])
    await repository.insert_offer(offer("e2", "c2", NOW + timedelta(days=1)), [])
    cut = NINE + timedelta(days=1)

    assert await repository.anonymise_meetings_before(cut, later) == 1
    assert await repository.anonymise_meetings_before(cut, later) == 0  # nothing left to change
    past = await repository.booking("nordveggen", "b1")
    assert past is not None
    assert (past["person_id"], past["case_id"], past["anonymised_at"]) == (None, None, later)
    assert past["advisor_id"] == "a1" and past["start"] == NINE  # the meeting still counts
    assert [b["_id"] for b in await repository.bookings_of_person("p1")] == ["b2"]

    assert await repository.delete_offers_before(NOW + timedelta(hours=1)) == 1
    assert await repository.delete_offers_before(NOW + timedelta(hours=1)) == 0
    assert await repository.case_offer("c1") is None
    assert await repository.case_owner("c2") == ("nordveggen", "p1")
