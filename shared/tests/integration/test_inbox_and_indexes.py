"""Idempotent effects and index declarations, on the real store (MongoDB or FerretDB)."""

import asyncio
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from hoppid.shared.inbox import apply_once
from hoppid.shared.mongo import IndexSpec, apply_indexes

Db = AsyncDatabase[dict[str, Any]]


async def test_apply_once_applies_an_event_once_per_document(database: Db) -> None:
    figures = database["figures"]
    assert await apply_once(figures, {"_id": "rauma"}, {"$inc": {"n": 1}}, "e1", upsert=True)
    assert not await apply_once(figures, {"_id": "rauma"}, {"$inc": {"n": 1}}, "e1", upsert=True)
    assert await apply_once(figures, {"_id": "rauma"}, {"$inc": {"n": 1}}, "e2", upsert=True)
    assert not await apply_once(figures, {"_id": "rauma"}, {"$inc": {"n": 1}}, "e2")
    document = await figures.find_one({"_id": "rauma"})
    assert document is not None
    assert document["n"] == 2
    assert document["applied_events"] == ["e1", "e2"]


async def test_apply_once_keeps_every_event_when_they_create_the_document_together(
    database: Db,
) -> None:
    """Two replicas' first events for one new document: both upserts miss it, one inserts and
    the other's insert collides. The colliding event is applied to the inserted document, not
    taken for one applied before (that lost an inquiry of the two-instances journey)."""
    figures = database["figures"]
    rounds, together = 30, 8
    for document in range(rounds):
        results = await asyncio.gather(
            *(
                apply_once(figures, {"_id": document}, {"$inc": {"n": 1}}, f"e{event}", upsert=True)
                for event in range(together)
            )
        )
        assert all(results), (document, results)
    counted = [found["n"] async for found in figures.find({})]
    assert counted == [together] * rounds


async def test_declared_indexes_are_applied_and_enforced(database: Db) -> None:
    specs = [
        IndexSpec("meetings", ["advisor_id", "start"], unique=True, name="one_meeting_a_slot"),
        IndexSpec("meetings", [("start", -1)]),
    ]
    await apply_indexes(database, specs)
    await apply_indexes(database, specs)  # at every start: a no-op
    names = {index["name"] async for index in await database["meetings"].list_indexes()}
    assert "one_meeting_a_slot" in names
    await database["meetings"].insert_one({"advisor_id": "a1", "start": "2026-12-01T09:00"})
    with pytest.raises(DuplicateKeyError):
        await database["meetings"].insert_one({"advisor_id": "a1", "start": "2026-12-01T09:00"})
