"""The audit trail's repository contract: the same cases on the in-memory repository
(audit.memory, the fast lane) and on ``AuditStore`` against the stack's store (marked
integration): an entry is read back as written, a page holds only the office's entries, newest
first (the later ``_id`` first among entries of one time), of one case and one action when
asked, and the purge deletes exactly the entries older than its time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hoppid.intake.audit.memory import MemoryAudit
from hoppid.intake.audit.store import INDEXES, AuditRepository, AuditStore
from hoppid.intake.audit.trail import Action, Actor, entry
from hoppid.shared.testing import CONTRACT_SIDES, fresh_database

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # whole seconds: the store keeps milliseconds
KARI = Actor("account", "sub-kari", "Kari Rådgiver")


@pytest.fixture(params=CONTRACT_SIDES)
async def repository(request: pytest.FixtureRequest) -> AsyncIterator[AuditRepository]:
    if request.param == "memory":
        yield MemoryAudit()
        return
    async with fresh_database("test_audit", INDEXES) as database:
        yield AuditStore.of(database)


def written(
    entry_id: str,
    minutes_ago: int = 0,
    office_id: str = "nordveggen",
    action: Action = "read",
    references: tuple[str, ...] = ("HOP-AAAA-AAAA",),
) -> dict[str, Any]:
    """An entry as the trail makes it, with an id the test chooses (their order shows)."""
    cases = [{"_id": f"case-{r}", "reference": r, "person_id": f"person-{r}"} for r in references]
    at = NOW - timedelta(minutes=minutes_ago)
    made = entry(at, office_id, action, "page", KARI, cases, details={"contact_details": True})
    return {**made, "_id": entry_id}


async def test_an_entry_is_read_back_as_written(repository: AuditRepository) -> None:
    kept = written("e1", references=("HOP-AAAA-AAAA", "HOP-BBBB-BBBB"))
    await repository.write([kept, written("e2", office_id="molde")])
    assert await repository.page("nordveggen") == [kept]


async def test_a_page_is_the_offices_newest_first(repository: AuditRepository) -> None:
    await repository.write(
        [
            written("e1", minutes_ago=30),
            written("e2", minutes_ago=10),
            written("e3", minutes_ago=10),  # the same time as e2, written after: by id
            written("e0", minutes_ago=0, office_id="molde"),
        ]
    )
    assert [e["_id"] for e in await repository.page("nordveggen")] == ["e3", "e2", "e1"]
    assert [e["_id"] for e in await repository.page("nordveggen", limit=1, offset=1)] == ["e2"]
    assert await repository.page("nordveggen", offset=3) == []
    assert [e["_id"] for e in await repository.page("molde")] == ["e0"]
    assert await repository.page("nowhere") == []


async def test_a_page_of_one_case_and_one_action(repository: AuditRepository) -> None:
    await repository.write(
        [
            written("e1", 3, references=("HOP-AAAA-AAAA", "HOP-BBBB-BBBB"), action="search"),
            written("e2", 2, references=("HOP-BBBB-BBBB",)),
            written("e3", 1, references=()),  # a search that found none
            written("e4", 0, office_id="molde", references=("HOP-BBBB-BBBB",)),
        ]
    )
    of_b = await repository.page("nordveggen", reference="HOP-BBBB-BBBB")
    assert [e["_id"] for e in of_b] == ["e2", "e1"]
    reads = await repository.page("nordveggen", action="read")
    assert [e["_id"] for e in reads] == ["e3", "e2"]
    both = await repository.page("nordveggen", reference="HOP-BBBB-BBBB", action="search")
    assert [e["_id"] for e in both] == ["e1"]
    assert await repository.page("nordveggen", action="erasure") == []


async def test_the_purge_deletes_what_is_older_than_its_time(
    repository: AuditRepository,
) -> None:
    await repository.write(
        [written("old", 60), written("edge", 30), written("new", 0, office_id="molde")]
    )
    assert await repository.purge(NOW - timedelta(minutes=30)) == 1  # not the one at the time
    assert [e["_id"] for e in await repository.page("nordveggen")] == ["edge"]
    assert [e["_id"] for e in await repository.page("molde")] == ["new"]
    assert await repository.purge(NOW - timedelta(minutes=30)) == 0
