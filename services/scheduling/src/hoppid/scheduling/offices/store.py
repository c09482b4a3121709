"""Persistence of offices: learned from intake's events (and the packaged ones), with scheduling's
own settings of each and the hash of its private calendar feed's token."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from hoppid.shared.inbox import apply_once
from hoppid.shared.mongo import IndexSpec
from hoppid.shared.outbox import HIDE_OUTBOX

Document = dict[str, Any]

OFFICES = "offices"
INDEXES = [
    IndexSpec(OFFICES, ["feed_token_hash"]),  # the office's private calendar feed
]


class OfficeRepository(Protocol):
    """What the offices' use cases and handlers ask of their store: :class:`OfficeStore` (part
    of the service's store) on MongoDB, :class:`hoppid.scheduling.offices.memory.MemoryOffices`
    for fast tests of them. An office is seeded once (never overwritten), learned from intake
    once per event, and read without the events applied to it."""

    async def seed_office(self, office: Document) -> None: ...
    async def learn_office(
        self, office_id: str, fields: Mapping[str, Any], event_id: str
    ) -> bool: ...
    async def office(self, office_id: str) -> Document | None: ...
    async def offices(self) -> list[Document]: ...
    async def set_office_settings(self, office_id: str, settings: Document) -> Document | None: ...
    async def set_office_feed(self, office_id: str, token_hash: str) -> bool: ...
    async def office_by_feed(self, token_hash: str) -> Document | None: ...


class OfficeStore:
    """The offices' part of :class:`hoppid.scheduling.store.SchedulingStore`."""

    db: AsyncDatabase[Document]

    async def seed_office(self, office: Document) -> None:
        await self.db[OFFICES].update_one(
            {"_id": office["_id"]}, {"$setOnInsert": office}, upsert=True
        )

    async def learn_office(self, office_id: str, fields: Mapping[str, Any], event_id: str) -> bool:
        """intake's view of the office (name, languages...), once per event."""
        return await apply_once(
            self.db[OFFICES], {"_id": office_id}, {"$set": dict(fields)}, event_id, upsert=True
        )

    async def office(self, office_id: str) -> Document | None:
        return await self.db[OFFICES].find_one({"_id": office_id}, {"applied_events": 0})

    async def offices(self) -> list[Document]:
        cursor = self.db[OFFICES].find({}, {"applied_events": 0}).sort("_id", ASCENDING)
        return [office async for office in cursor]

    async def set_office_settings(self, office_id: str, settings: Document) -> Document | None:
        office = await self.db[OFFICES].find_one_and_update(
            {"_id": office_id},
            {"$set": {"settings": settings}},
            return_document=ReturnDocument.AFTER,
        )
        if office is not None:
            office.pop("applied_events", None)
        return office

    async def set_office_feed(self, office_id: str, token_hash: str) -> bool:
        result = await self.db[OFFICES].update_one(
            {"_id": office_id}, {"$set": {"feed_token_hash": token_hash}}
        )
        return result.matched_count == 1

    async def office_by_feed(self, token_hash: str) -> Document | None:
        return await self.db[OFFICES].find_one({"feed_token_hash": token_hash}, HIDE_OUTBOX)
