"""Concurrent updates of one document are each applied, on the store the services use.

MongoDB applies a single-document update atomically; the local store (FerretDB 1.24 on
PostgreSQL) does so only with deploy/local/ferretdb/atomic-updates.patch (decision 0007). The
services rely on it instead of locks in the process, so that two instances of a service may
update the same document at once. Unpatched, 50 concurrent ``$inc`` kept 2 to 24.
"""

import asyncio
from typing import Any

from pymongo import ReturnDocument

CONCURRENT = 50


async def test_concurrent_increments_and_pushes_are_all_kept(database: Any) -> None:
    documents = database["counters"]
    await documents.insert_one({"_id": "x", "n": 0, "seen": []})
    await asyncio.gather(
        *(
            documents.update_one({"_id": "x"}, {"$inc": {"n": 1}, "$push": {"seen": i}})
            for i in range(CONCURRENT)
        )
    )
    stored = await documents.find_one({"_id": "x"})
    assert stored["n"] == CONCURRENT
    assert sorted(stored["seen"]) == list(range(CONCURRENT))


async def test_of_racing_claims_on_one_document_exactly_one_wins(database: Any) -> None:
    documents = database["claims"]
    await documents.insert_one({"_id": "slot", "holder": None})
    answers = await asyncio.gather(
        *(
            documents.find_one_and_update(
                {"_id": "slot", "holder": None},
                {"$set": {"holder": f"h{i}"}},
                return_document=ReturnDocument.AFTER,
            )
            for i in range(CONCURRENT)
        )
    )
    winners = [answer["holder"] for answer in answers if answer is not None]
    assert len(winners) == 1
    assert (await documents.find_one({"_id": "slot"}))["holder"] == winners[0]


async def test_a_conditional_update_that_lost_the_race_reports_no_match(database: Any) -> None:
    documents = database["states"]
    await documents.insert_one({"_id": "case", "status": "new", "changes": 0})
    results = await asyncio.gather(
        *(
            documents.update_one(
                {"_id": "case", "status": "new"},
                {"$set": {"status": "in_progress"}, "$inc": {"changes": 1}},
            )
            for _ in range(CONCURRENT)
        )
    )
    assert sum(result.modified_count for result in results) == 1
    assert sum(result.matched_count for result in results) == 1
    assert (await documents.find_one({"_id": "case"}))["changes"] == 1


async def test_concurrent_updates_of_many_documents_are_all_kept(database: Any) -> None:
    documents = database["many"]
    await documents.insert_many([{"_id": i, "group": "g", "n": 0} for i in range(10)])
    await asyncio.gather(
        *(documents.update_many({"group": "g"}, {"$inc": {"n": 1}}) for _ in range(20))
    )
    assert [d["n"] async for d in documents.find({"group": "g"})] == [20] * 10
