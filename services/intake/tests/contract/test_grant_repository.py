"""The catalogue's repository contract: the same cases on the in-memory catalogue (grants.memory,
the fast lane) and on ``GrantStore`` against the stack (marked integration): an office's first
read seeds the clarification grant once (two first reads at the same moment too) and never over
an entry the office changed, the list is by name, a name is the office's once whatever its case
and spacing, and an entry is changed only within its office, answered as it is after."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from hoppid.intake.grants.memory import MemoryGrants
from hoppid.intake.grants.model import seed_id
from hoppid.intake.grants.store import INDEXES as GRANT_INDEXES
from hoppid.intake.grants.store import GrantRepository, GrantStore
from hoppid.intake.model import RuleViolation
from hoppid.intake.store import INDEXES, OFFICES
from hoppid.shared.testing import CONTRACT_SIDES, fresh_database

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
OFFICES_THERE = ("nordveggen", "molde")


@pytest.fixture(params=CONTRACT_SIDES)
async def repository(request: pytest.FixtureRequest) -> AsyncIterator[GrantRepository]:
    if request.param == "memory":
        yield MemoryGrants(OFFICES_THERE)
        return
    async with fresh_database("test_grants", [*INDEXES, *GRANT_INDEXES]) as database:
        await database[OFFICES].insert_many([{"_id": o} for o in OFFICES_THERE])
        yield GrantStore(database)


def entry(entry_id: str, name: str, office_id: str = "nordveggen") -> dict[str, object]:
    return {
        "_id": entry_id,
        "office_id": office_id,
        "name": name,
        "name_en": None,
        "granted_by": "Innovasjon Norge",
        "max_amount_nok": None,
        "active": True,
        "created_at": NOW,
        "changed_at": NOW,
    }


async def test_only_the_offices_there_exist(repository: GrantRepository) -> None:
    assert await repository.office_exists("nordveggen")
    assert not await repository.office_exists("nowhere")


async def test_the_first_read_seeds_the_clarification_grant_once(
    repository: GrantRepository,
) -> None:
    first, second = await asyncio.gather(
        repository.of_office("nordveggen", NOW), repository.of_office("nordveggen", NOW)
    )
    assert [e["_id"] for e in first] == [e["_id"] for e in second] == [seed_id("nordveggen")]
    [seeded] = first
    assert (seeded["name"], seeded["max_amount_nok"], seeded["active"]) == (
        "Avklaringsmidler",
        30_000,
        True,
    )
    assert (seeded["office_id"], seeded["created_at"]) == ("nordveggen", NOW)
    assert [e["_id"] for e in await repository.of_office("molde", NOW)] == [seed_id("molde")]


async def test_a_changed_seeded_entry_is_never_seeded_over(repository: GrantRepository) -> None:
    await repository.of_office("nordveggen", NOW)
    changed = await repository.change(
        "nordveggen", seed_id("nordveggen"), {"max_amount_nok": 50_000, "changed_at": LATER}
    )
    assert changed is not None and changed["max_amount_nok"] == 50_000
    [kept] = await repository.of_office("nordveggen", LATER)
    assert (kept["max_amount_nok"], kept["created_at"], kept["changed_at"]) == (50_000, NOW, LATER)


async def test_the_list_is_by_name_and_only_the_office_s(repository: GrantRepository) -> None:
    await repository.of_office("nordveggen", NOW)
    await repository.add(entry("b", "Etablerertilskudd"))
    await repository.add(entry("c", "Bygdeutvikling"))
    await repository.add(entry("m", "Etablerertilskudd", "molde"))  # another office: its own
    listed = await repository.of_office("nordveggen", NOW)
    assert [e["_id"] for e in listed] == [seed_id("nordveggen"), "c", "b"]
    assert listed[2]["name_key"] == "etablerertilskudd"
    assert [e["_id"] for e in await repository.of_office("molde", NOW)] == ["m"]


async def test_a_name_is_the_office_s_once_whatever_its_case(repository: GrantRepository) -> None:
    await repository.add(entry("b", "Etablerer tilskudd"))
    await repository.add(entry("c", "Bygdeutvikling"))
    with pytest.raises(RuleViolation) as refused:
        await repository.add(entry("d", "  etablerer   TILSKUDD "))
    assert refused.value.field == "name"
    with pytest.raises(RuleViolation) as refused:
        await repository.change("nordveggen", "c", {"name": "ETABLERER tilskudd"})
    assert refused.value.field == "name"
    assert [e["name"] for e in await repository.of_office("nordveggen", NOW)] == [
        "Bygdeutvikling",
        "Etablerer tilskudd",
    ]
    renamed = await repository.change("nordveggen", "c", {"name": "Bygde utvikling"})
    assert renamed is not None and renamed["name_key"] == "bygde utvikling"


async def test_an_entry_is_changed_only_within_its_office(repository: GrantRepository) -> None:
    await repository.add(entry("m", "Etablerertilskudd", "molde"))
    assert await repository.change("nordveggen", "m", {"active": False}) is None
    assert await repository.change("nordveggen", "nothing", {"active": False}) is None
    changed = await repository.change("molde", "m", {"active": False, "changed_at": LATER})
    assert changed is not None
    assert (changed["_id"], changed["active"], changed["changed_at"]) == ("m", False, LATER)
    assert changed["name"] == "Etablerertilskudd"  # what the change did not name is kept
    [kept] = await repository.of_office("molde", NOW)
    assert kept["active"] is False
