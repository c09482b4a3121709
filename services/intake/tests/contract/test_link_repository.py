"""The links' repository contract: the same cases on the in-memory repository (links.memory, the
fast lane) and on intake's store against the stack (marked integration): open requests are the
untaken and the stale ones, oldest first; a request is taken by one caller until it goes stale
and is gone once dropped; a person is found by their address with their cases oldest first; and
the change that issues a link is made, with its event, only while the person is as read."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import pytest

from hoppid.intake.links.memory import MemoryLinks
from hoppid.intake.links.store import LinkRepository
from hoppid.intake.links.use_cases import NOT_TAKEN
from hoppid.intake.store import INDEXES, PEOPLE, IntakeStore
from hoppid.shared.envelope import Envelope
from hoppid.shared.outbox import OUTBOX
from hoppid.shared.testing import CONTRACT_SIDES, fresh_database

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STALE = NOW - timedelta(minutes=5)


class Seeded(LinkRepository, Protocol):
    """The repository with the inquiry's writes, which put the people and cases there."""

    async def insert_person(self, person: dict[str, Any]) -> bool: ...

    async def insert_case(self, case: dict[str, Any], events: Any) -> bool: ...


@dataclass
class Subject:
    repository: Seeded
    written: Callable[[], Awaitable[list[str]]]  # the ids of the people's events written


@pytest.fixture(params=CONTRACT_SIDES)
async def subject(request: pytest.FixtureRequest) -> AsyncIterator[Subject]:
    if request.param == "memory":
        memory = MemoryLinks()

        async def in_memory() -> list[str]:
            return [e.id for e in memory.events]

        yield Subject(memory, in_memory)
        return
    async with fresh_database("test_links", INDEXES) as database:

        async def in_outboxes() -> list[str]:
            ids = []
            async for person in database[PEOPLE].find({}, {OUTBOX: 1}):
                ids += [entry["event"]["id"] for entry in person.get(OUTBOX, [])]
            return ids

        yield Subject(IntakeStore(database, "contract.hoppid.intake"), in_outboxes)


def link_request(request_id: str, minutes_ago: int, taken_at: datetime = NOT_TAKEN) -> Any:
    return {
        "_id": request_id,
        "email": f"{request_id}@example.no",
        "requested_at": NOW - timedelta(minutes=minutes_ago),
        "taken_at": taken_at,
    }


def person(person_id: str, email: str, **fields: Any) -> dict[str, Any]:
    return {"_id": person_id, "email": email, "name": "Kari", "link_epoch": 0, **fields}


def case(case_id: str, office_id: str, days_ago: int) -> dict[str, Any]:
    return {
        "_id": case_id,
        "office_id": office_id,
        "person_id": "p-1",
        "reference": f"HOP{case_id.upper():0>8}",
        "created_at": NOW - timedelta(days=days_ago),
    }


def event(event_id: str) -> Envelope:
    return Envelope(
        type="test.issued", source="test", subject="p-1", data={}, time=NOW, id=event_id
    )


async def test_open_requests_are_the_untaken_and_the_stale_oldest_first(
    subject: Subject,
) -> None:
    repository = subject.repository
    await repository.add_link_request(link_request("new", 1))
    await repository.add_link_request(link_request("left", 30, taken_at=NOW - timedelta(hours=1)))
    await repository.add_link_request(link_request("busy", 40, taken_at=NOW - timedelta(minutes=1)))
    await repository.add_link_request(link_request("older", 20))
    assert await repository.open_link_requests(STALE) == ["left", "older", "new"]
    assert await repository.open_link_requests(STALE, limit=2) == ["left", "older"]


async def test_a_request_is_taken_once_until_stale_and_gone_once_dropped(
    subject: Subject,
) -> None:
    repository = subject.repository
    await repository.add_link_request(link_request("r1", 1))
    taken = await repository.take_link_request("r1", NOW, STALE)
    assert taken is not None
    assert (taken["email"], taken["taken_at"]) == ("r1@example.no", NOW)
    assert await repository.take_link_request("r1", NOW, STALE) is None  # another instance
    assert await repository.open_link_requests(STALE) == []
    later = NOW + timedelta(minutes=6)  # the taker stopped: stale, open again
    assert await repository.open_link_requests(later - timedelta(minutes=5)) == ["r1"]
    assert await repository.take_link_request("r1", later, later - timedelta(minutes=5))
    await repository.drop_link_request("r1")
    await repository.drop_link_request("r1")  # dropping twice is no error
    assert await repository.take_link_request("r1", later, later) is None
    assert await repository.open_link_requests(later + timedelta(days=1)) == []


async def test_a_person_is_found_by_address_with_their_cases_oldest_first(
    subject: Subject,
) -> None:
    repository = subject.repository
    await repository.insert_person(person("p-1", "kari@example.no"))
    await repository.insert_case(case("c-new", "molde", 1), [])
    await repository.insert_case(case("c-old", "nordveggen", 30), [])
    found = await repository.person_by_email("kari@example.no")
    assert found is not None and found["_id"] == "p-1"
    assert await repository.person_by_email("ola@example.no") is None
    cases = await repository.cases_of_person("p-1")
    assert [(c["_id"], c["office_id"]) for c in cases] == [
        ("c-old", "nordveggen"),
        ("c-new", "molde"),
    ]
    assert await repository.cases_of_person("nobody") == []


async def test_a_link_is_issued_only_while_the_person_is_as_read(subject: Subject) -> None:
    repository = subject.repository
    await repository.insert_person(person("p-1", "kari@example.no"))  # no erased_at: never
    expect = {"link_epoch": 0, "erased_at": None}
    issued = await repository.set_person(
        "p-1", {"link_issued_at": NOW}, [event("e-1")], expect=expect
    )
    assert issued is not None and issued["link_issued_at"] == NOW
    moved = {"link_epoch": 1, "erased_at": None}
    assert (
        await repository.set_person("p-1", {"link_issued_at": NOW}, [event("e-2")], moved) is None
    )
    assert await repository.set_person("nobody", {"x": 1}, [event("e-3")]) is None
    assert await subject.written() == ["e-1"]  # only with the change that was made
