"""The offices' repository contract: the same cases on the in-memory repository (offices.memory,
the fast lane) and on the service's store against the stack (marked integration): a packaged
office is seeded once and never overwritten, intake's view of an office is learned once per
event, reads leave the applied events out, a change of settings answers the office as it is
after, and the feed's token hash finds its office."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from hoppid.scheduling.offices.memory import MemoryOffices
from hoppid.scheduling.offices.store import INDEXES, OfficeRepository
from hoppid.scheduling.store import SchedulingStore
from hoppid.shared.testing import CONTRACT_SIDES, fresh_database

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(params=CONTRACT_SIDES)
async def repository(request: pytest.FixtureRequest) -> AsyncIterator[OfficeRepository]:
    if request.param == "memory":
        yield MemoryOffices()
        return
    async with fresh_database("test_offices", INDEXES) as database:
        yield SchedulingStore(database, "contract.hoppid.scheduling")


def office(office_id: str, name: str = "") -> dict[str, object]:
    return {
        "_id": office_id,
        "name": name or f"Office {office_id}",
        "municipalities": ["1539"],
        "languages": ["nb", "en"],
        "contact_email": f"post@{office_id}.example",
    }


def learned(name: str) -> dict[str, object]:
    return {
        "name": name,
        "municipalities": ["1507", "1539"],
        "languages": ["nb"],
        "contact_email": "post@nordveggen.example",
        "changed_at": NOW,
    }


async def test_a_seeded_office_is_never_overwritten(repository: OfficeRepository) -> None:
    for one in (office("nordveggen"), office("molde")):
        await repository.seed_office(one)
    await repository.seed_office(office("nordveggen", "Another name"))
    assert await repository.office("nordveggen") == office("nordveggen")
    assert [o["_id"] for o in await repository.offices()] == ["molde", "nordveggen"]
    assert await repository.office("kristiansund") is None


async def test_an_office_is_learned_once_per_event(repository: OfficeRepository) -> None:
    await repository.seed_office(office("nordveggen"))
    assert await repository.learn_office("nordveggen", learned("Nordveggen"), "event-1")
    assert not await repository.learn_office("nordveggen", learned("Redelivered"), "event-1")
    assert await repository.office("nordveggen") == {"_id": "nordveggen", **learned("Nordveggen")}
    assert await repository.learn_office("nordveggen", learned("Nordveggen næring"), "event-2")
    assert (await repository.office("nordveggen") or {})["name"] == "Nordveggen næring"
    # an office intake knows and the packaged ones do not: learned all the same
    assert await repository.learn_office("aure", learned("Aure"), "event-3")
    assert await repository.offices() == [
        {"_id": "aure", **learned("Aure")},
        {"_id": "nordveggen", **learned("Nordveggen næring")},
    ]


async def test_settings_answer_the_office_after_them(repository: OfficeRepository) -> None:
    await repository.seed_office(office("nordveggen"))
    await repository.learn_office("nordveggen", learned("Nordveggen"), "event-1")
    settings = {"buffer_minutes": 30, "closed_days": ["2026-05-17"]}
    changed = await repository.set_office_settings("nordveggen", settings)
    assert changed == {"_id": "nordveggen", **learned("Nordveggen"), "settings": settings}
    assert await repository.office("nordveggen") == changed
    assert await repository.set_office_settings("kristiansund", settings) is None
    assert await repository.office("kristiansund") is None


async def test_the_feed_token_hash_finds_its_office(repository: OfficeRepository) -> None:
    await repository.seed_office(office("nordveggen"))
    assert await repository.set_office_feed("nordveggen", "hash-old")
    assert (await repository.office_by_feed("hash-old") or {})["_id"] == "nordveggen"
    assert await repository.set_office_feed("nordveggen", "hash-new")
    assert await repository.office_by_feed("hash-old") is None
    assert (await repository.office_by_feed("hash-new") or {})["_id"] == "nordveggen"
    assert not await repository.set_office_feed("kristiansund", "hash-other")
    assert await repository.office_by_feed("hash-other") is None
