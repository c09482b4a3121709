"""Two replicas of reporting write the same new documents at once (a case's first facts from
intake's topic and scheduling's, consumed by different replicas; an office's changes; the
partner facts' cases). An upsert whose insert collides with the other replica's is tried again
against the document that now exists; it never fails the event (which would dead-letter it)."""

import asyncio
from typing import Any

from hoppid.reporting.projection.store import ProjectionStore
from hoppid.reporting.store import PartnerCases

ROUNDS, TOGETHER = 20, 6


async def test_first_facts_of_one_case_from_two_replicas_are_all_kept(database: Any) -> None:
    store = ProjectionStore(database, 1)
    for case in range(ROUNDS):
        await asyncio.gather(
            *(store.record_case(f"case-{case}", {f"fact{n}": n}) for n in range(TOGETHER))
        )
    async for document in store.cases.find({}):
        assert {f"fact{n}" for n in range(TOGETHER)} <= set(document), document
    assert await store.cases.count_documents({}) == ROUNDS


async def test_first_changes_of_one_office_from_two_replicas_are_all_kept(database: Any) -> None:
    store = ProjectionStore(database, 1)
    for office in range(ROUNDS):
        await asyncio.gather(
            *(
                store.record_office(f"office-{office}", f"e{n}", {"name": n})
                for n in range(TOGETHER)
            )
        )
    async for document in store.offices.find({}):
        assert len(document["changes"]) == TOGETHER, document


async def test_partner_cases_from_two_replicas_are_all_kept(database: Any) -> None:
    cases = PartnerCases(database)
    for case in range(ROUNDS):
        await asyncio.gather(
            *(cases.record(f"case-{case}", {f"held.b{n}": {"n": n}}) for n in range(TOGETHER))
        )
    async for document in cases.collection.find({}):
        assert len(document["held"]) == TOGETHER, document
