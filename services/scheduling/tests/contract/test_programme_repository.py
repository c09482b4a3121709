"""The programmes' repository contract: the same cases on the in-memory repository
(programmes.memory, the fast lane) and on ``ProgrammeStore`` against the stack (marked
integration): a change is written only to the version it was decided on and within its seat
guard, the lists come in order of the first session, and the retention step leaves counts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hoppid.scheduling.programmes.memory import MemoryProgrammeStore
from hoppid.scheduling.programmes.store import (
    INDEXES,
    Change,
    Contended,
    ProgrammeRepository,
    ProgrammeStore,
)
from hoppid.shared.testing import CONTRACT_SIDES, fresh_database

START = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(params=CONTRACT_SIDES)
async def repository(request: pytest.FixtureRequest) -> AsyncIterator[ProgrammeRepository]:
    if request.param == "memory":
        yield MemoryProgrammeStore()
        return
    async with fresh_database("test_programmes", INDEXES) as database:
        yield ProgrammeStore(database, "contract.hoppid.scheduling")


def programme(programme_id: str, days: int = 0, **more: Any) -> dict[str, Any]:
    start = START + timedelta(days=days)
    return {
        "_id": programme_id,
        "office_id": "nordveggen",
        "kind": "course",
        "capacity": 2,
        "sessions": [{"id": "s1", "start": start, "end": start + timedelta(hours=2)}],
        "first_start": start,
        "taken": 0,
        "seats": [],
        "waiting": [],
        "people": [],
        **more,
    }


def seat(person_id: str) -> dict[str, Any]:
    return {"id": f"e-{person_id}", "person_id": person_id, "case_id": f"c-{person_id}"}


async def test_lists_in_order_of_the_first_session(repository: ProgrammeRepository) -> None:
    await repository.insert(programme("later", 3, people=["p1"]))
    await repository.insert(programme("school", 1, kind="school_programme"))
    await repository.insert(programme("first", 0, people=["p1"]))
    await repository.insert(programme("gone", 2, cancelled_at=NOW))
    await repository.insert(programme("molde", 0, office_id="molde", reminder_at=NOW))
    assert await repository.programme("first") == {
        **programme("first", 0, people=["p1"]),
        "version": 0,
    }
    assert [p["_id"] for p in await repository.of_office("nordveggen")] == [
        "first",
        "school",
        "gone",
        "later",
    ]
    assert [p["_id"] for p in await repository.open_to_people()] == ["first", "molde", "later"]
    assert [p["_id"] for p in await repository.of_person("p1")] == ["first", "later"]
    assert [p["_id"] for p in await repository.reminders_due(NOW)] == ["molde"]
    assert await repository.reminders_due(NOW - timedelta(seconds=1)) == []


async def test_a_change_is_written_to_the_version_it_was_decided_on(
    repository: ProgrammeRepository,
) -> None:
    await repository.insert(programme("p"))
    seen: list[int] = []

    def take_a_seat(current: dict[str, Any]) -> Change:
        seen.append(current["version"])
        fields = {"taken": current["taken"] + 1, "seats": [*current["seats"], seat("p1")]}
        return Change(fields, [], {"status": "enrolled"}, max_taken=1)

    after, answer = await repository.change("p", take_a_seat)
    assert answer == {"status": "enrolled"}
    assert (after["version"], after["taken"], after["seats"]) == (1, 1, [seat("p1")])
    after, _ = await repository.change("p", take_a_seat)
    assert (after["version"], after["taken"], seen) == (2, 2, [0, 1])
    with pytest.raises(Contended):  # no seat is free: the guard never holds
        await repository.change("p", take_a_seat)
    assert (await repository.programme("p") or {})["taken"] == 2
    with pytest.raises(LookupError):
        await repository.change("nothing", take_a_seat)


async def test_ended_programmes_keep_counts_not_people(repository: ProgrammeRepository) -> None:
    await repository.insert(programme("over", 0, seats=[seat("p1")], people=["p1"], taken=1))
    await repository.insert(programme("coming", 30, seats=[seat("p2")], people=["p2"], taken=1))
    before = START + timedelta(days=1)
    assert await repository.anonymise_ended_before(before, NOW) == 1
    assert await repository.anonymise_ended_before(before, NOW) == 0
    over = await repository.programme("over") or {}
    assert over["seats"] == [{"id": "e-p1", "person_id": None, "case_id": None}]
    assert (over["people"], over["taken"], over["anonymised_at"]) == ([], 1, NOW)
    assert (await repository.programme("coming") or {})["people"] == ["p2"]
