"""The offices' repository contract: the same cases on the in-memory repository (offices.memory,
the fast lane) and on intake's store against the stack (marked integration): an office is
inserted, then its named fields set (the others kept), offices are listed by id without their
outbox, a key is revoked once and only within its office, and events are written only with a
change that happened."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from hoppid.intake.offices.memory import MemoryOffices
from hoppid.intake.offices.store import OfficeRepository
from hoppid.intake.store import INDEXES, KEYS, OFFICES, IntakeStore
from hoppid.shared.envelope import Envelope
from hoppid.shared.outbox import OUTBOX
from hoppid.shared.testing import CONTRACT_SIDES, fresh_database

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Subject:
    repository: OfficeRepository
    written: Callable[[], Awaitable[list[str]]]  # the subjects of the events written, sorted


@pytest.fixture(params=CONTRACT_SIDES)
async def subject(request: pytest.FixtureRequest) -> AsyncIterator[Subject]:
    if request.param == "memory":
        memory = MemoryOffices()

        async def in_memory() -> list[str]:
            return sorted(e.subject for e in memory.events)

        yield Subject(memory, in_memory)
        return
    async with fresh_database("test_offices", INDEXES) as database:

        async def in_outboxes() -> list[str]:
            subjects = []
            for collection in (OFFICES, KEYS):
                async for document in database[collection].find({}, {OUTBOX: 1}):
                    subjects += [entry["event"]["subject"] for entry in document.get(OUTBOX, [])]
            return sorted(subjects)

        yield Subject(IntakeStore(database, "contract.hoppid.intake"), in_outboxes)


def event(subject: str) -> Envelope:
    return Envelope(type="test.changed", source="test", subject=subject, data={}, time=NOW)


def office(office_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "_id": office_id,
        "name": office_id.title(),
        "municipalities": ["1539"],
        "languages": ["nb"],
        "contact_email": f"post@{office_id}.no",
        **fields,
    }


def key(key_id: str, office_id: str) -> dict[str, Any]:
    return {"_id": key_id, "office_id": office_id, "role": "advisor", "revoked_at": None}


async def test_an_office_is_inserted_then_its_named_fields_set(subject: Subject) -> None:
    repository = subject.repository
    assert await repository.office("rauma") is None
    await repository.save_office(office("rauma", opening_hours="09-15"), [event("rauma")])
    await repository.save_office({"_id": "rauma", "name": "Rauma næringskontor"}, [event("rauma")])
    found = await repository.office("rauma")
    assert found is not None
    assert (found["name"], found["opening_hours"]) == ("Rauma næringskontor", "09-15")
    assert found["municipalities"] == ["1539"]  # not named by the change: kept
    assert not set(found) & {"outbox", "outbox_pending"}
    assert await subject.written() == ["rauma", "rauma"]


async def test_offices_are_listed_by_id_without_their_outbox(subject: Subject) -> None:
    for office_id in ("sunndal", "molde", "rauma"):
        await subject.repository.save_office(office(office_id), [event(office_id)])
    listed = await subject.repository.offices()
    assert [o["_id"] for o in listed] == ["molde", "rauma", "sunndal"]
    assert all(not set(o) & {"outbox", "outbox_pending"} for o in listed)
    assert listed[0]["contact_email"] == "post@molde.no"


async def test_a_key_is_revoked_once_and_only_within_its_office(subject: Subject) -> None:
    repository = subject.repository
    await repository.add_key(key("k1", "rauma"), [event("k1")])
    assert not await repository.revoke_key("molde", "k1", NOW, [event("wrong office")])
    assert not await repository.revoke_key("rauma", "k-none", NOW, [event("no key")])
    assert await repository.revoke_key("rauma", "k1", NOW, [event("k1")])
    assert not await repository.revoke_key("rauma", "k1", NOW, [event("again")])
    assert await subject.written() == ["k1", "k1"]  # only the changes that happened


async def test_a_key_without_its_revoked_at_is_not_revoked_yet(subject: Subject) -> None:
    """A key written before ``revoked_at`` was always set counts as not revoked."""
    old = {k: v for k, v in key("k-old", "*").items() if k != "revoked_at"}
    await subject.repository.add_key(old, [])
    assert await subject.repository.revoke_key("*", "k-old", NOW, [event("k-old")])
    assert not await subject.repository.revoke_key("*", "k-old", NOW, [])
