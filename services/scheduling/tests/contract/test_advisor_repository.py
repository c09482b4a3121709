"""The advisors' repository contract: the same cases on the in-memory repository
(advisors.memory, the fast lane) and on the service's store against the stack (marked
integration): an advisor is read only within its office, a change answers the advisor as it is
after, and the feed's token hash finds its advisor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from hoppid.scheduling.advisors.memory import MemoryAdvisorStore
from hoppid.scheduling.advisors.store import INDEXES, AdvisorRepository
from hoppid.scheduling.store import SchedulingStore
from hoppid.shared.testing import CONTRACT_SIDES, fresh_database

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(params=CONTRACT_SIDES)
async def repository(request: pytest.FixtureRequest) -> AsyncIterator[AdvisorRepository]:
    if request.param == "memory":
        yield MemoryAdvisorStore()
        return
    async with fresh_database("test_advisors", INDEXES) as database:
        yield SchedulingStore(database, "contract.hoppid.scheduling")


def advisor(advisor_id: str, office_id: str = "nordveggen") -> dict[str, object]:
    return {
        "_id": advisor_id,
        "office_id": office_id,
        "name": f"Advisor {advisor_id}",
        "languages": ["nb"],
        "weekly_hours": [{"weekday": 0, "start": "09:00", "end": "15:00", "place": "office"}],
        "absences": [],
        "active": True,
        "feed_token_hash": f"hash-{advisor_id}",
        "created_at": NOW,
    }


async def test_advisors_are_read_within_their_office(repository: AdvisorRepository) -> None:
    for one in (advisor("b"), advisor("a"), advisor("c", "molde")):
        await repository.insert_advisor(one)
    assert [a["_id"] for a in await repository.advisors("nordveggen")] == ["a", "b"]
    assert await repository.advisor("nordveggen", "a") == advisor("a")
    assert await repository.advisor("nordveggen", "c") is None
    assert await repository.advisors("kristiansund") == []


async def test_a_change_answers_the_advisor_after_it(repository: AdvisorRepository) -> None:
    await repository.insert_advisor(advisor("a"))
    absences = [{"first_day": "2026-07-06", "last_day": "2026-07-31"}]
    changed = await repository.update_advisor(
        "nordveggen", "a", {"absences": absences, "updated_at": NOW}
    )
    assert changed == {**advisor("a"), "absences": absences, "updated_at": NOW}
    assert await repository.advisor("nordveggen", "a") == changed
    assert await repository.update_advisor("molde", "a", {"name": "Other"}) is None
    assert await repository.update_advisor("nordveggen", "nobody", {"name": "Other"}) is None


async def test_the_feed_token_hash_finds_its_advisor(repository: AdvisorRepository) -> None:
    await repository.insert_advisor(advisor("a"))
    assert (await repository.advisor_by_feed("hash-a") or {})["_id"] == "a"
    await repository.update_advisor("nordveggen", "a", {"feed_token_hash": "hash-new"})
    assert await repository.advisor_by_feed("hash-a") is None
    assert (await repository.advisor_by_feed("hash-new") or {})["_id"] == "a"
