"""The cases' repository contract: the same cases on the in-memory repository (cases.memory,
the fast lane) and on intake's store against the stack (marked integration): a case is read and
changed only within its office, a change is made only while what it expects holds and answers
the case as it is after, fields are set and entries appended, and the list and the search read
the office's cases newest first, without their notes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import pytest

from hoppid.intake.cases.memory import MemoryCases
from hoppid.intake.cases.store import CaseChange, CaseRepository
from hoppid.intake.store import INDEXES, IntakeStore
from hoppid.shared.envelope import Envelope
from hoppid.shared.testing import CONTRACT_SIDES, fresh_database

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Seeded(CaseRepository, Protocol):
    """The repository with the inquiry's writes, which put the cases there."""

    async def insert_case(self, case: dict[str, Any], events: Any) -> bool: ...


@pytest.fixture(params=CONTRACT_SIDES)
async def repository(request: pytest.FixtureRequest) -> AsyncIterator[Seeded]:
    if request.param == "memory":
        yield MemoryCases()
        return
    async with fresh_database("test_cases", INDEXES) as database:
        yield IntakeStore(database, "contract.hoppid.intake")


def case(case_id: str, office_id: str = "nordveggen", **fields: Any) -> dict[str, Any]:
    return {
        "_id": case_id,
        "office_id": office_id,
        "reference": f"HOP{case_id.upper():0>8}"[-11:],
        "status": "new",
        "needs": ["guidance"],
        "advisor_id": None,
        "history": [],
        "notes": [{"id": "n-1", "text": "kept out of the lists"}],
        "search_keys": [f"k:{case_id}", "k:all"],
        "created_at": NOW,
        **fields,
    }


def event(subject: str) -> Envelope:
    return Envelope(type="test.changed", source="test", subject=subject, data={}, time=NOW)


async def test_a_case_is_read_and_changed_only_within_its_office(repository: Seeded) -> None:
    await repository.insert_case(case("a"), [])
    await repository.insert_case(case("m", "molde"), [])
    assert (await repository.case("nordveggen", "a") or {})["status"] == "new"
    assert await repository.case("nordveggen", "m") is None
    change = CaseChange(fields={"status": "contacted"})
    assert await repository.change_case("nordveggen", "m", change, [event("m")]) is None
    assert (await repository.case("molde", "m") or {})["status"] == "new"


async def test_a_change_sets_appends_and_answers_the_case_after(repository: Seeded) -> None:
    await repository.insert_case(case("a"), [])
    entry = {"status": "contacted", "at": NOW}
    change = CaseChange(fields={"status": "contacted"}, appended={"history": entry})
    after = await repository.change_case("nordveggen", "a", change, [event("a")])
    assert after is not None
    assert (after["status"], after["history"]) == ("contacted", [entry])
    assert "outbox" not in after
    again = await repository.change_case(
        "nordveggen", "a", CaseChange(appended={"history": entry}), [event("a")]
    )
    assert again is not None and len(again["history"]) == 2


async def test_a_change_waits_for_what_it_expects(repository: Seeded) -> None:
    await repository.insert_case(case("a"), [])
    set_advisor = CaseChange(fields={"advisor_id": "adv-1"})
    assert await repository.change_case("nordveggen", "a", set_advisor, [], {"advisor_id": None})
    stale = CaseChange(fields={"advisor_id": "adv-2"})
    assert await repository.change_case("nordveggen", "a", stale, [], {"advisor_id": None}) is None
    assert (await repository.case("nordveggen", "a") or {})["advisor_id"] == "adv-1"


async def test_the_list_and_the_search_read_newest_first_without_notes(
    repository: Seeded,
) -> None:
    for n in range(4):
        status = "closed" if n == 2 else "new"
        made = case(f"c{n}", created_at=NOW - timedelta(days=10 * n), status=status)
        await repository.insert_case(made, [])
    await repository.insert_case(case("m", "molde"), [])
    found = await repository.find_cases("nordveggen", {"status": "new"}, 10, 0, newest=NOW)
    assert [c["_id"] for c in found] == ["c0", "c1", "c3"]
    assert all("notes" not in c for c in found)
    window = await repository.find_cases(
        "nordveggen", {}, 10, 0, newest=NOW, since=NOW - timedelta(days=25), until=NOW
    )
    assert [c["_id"] for c in window] == ["c1", "c2"]  # from since, before until
    assert [c["_id"] for c in await repository.search_cases("nordveggen", "k:all", 2)] == [
        "c0",
        "c1",
    ]
    by_reference = await repository.case_by_reference("nordveggen", case("c3")["reference"])
    assert by_reference is not None and by_reference["_id"] == "c3"
    assert "notes" not in by_reference
