"""Persistence of advisors: each with its ``advisor.changed`` events in its own outbox, and the
hash of its private calendar feed's token."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from hoppid.shared.envelope import Envelope
from hoppid.shared.mongo import IndexSpec
from hoppid.shared.outbox import (
    HIDE_OUTBOX,
    change_with_outbox,
    outbox_fields,
)

Document = dict[str, Any]

ADVISORS = "advisors"
INDEXES = [
    IndexSpec(ADVISORS, ["office_id"]),
    IndexSpec(ADVISORS, ["feed_token_hash"]),
]


class AdvisorRepository(Protocol):
    """What the advisors' use cases ask of their store: :class:`AdvisorStore` (part of the
    service's store) on MongoDB, :class:`hoppid.scheduling.advisors.memory.MemoryAdvisorStore`
    for fast tests of the use cases. Reads leave the outbox out; a change writes the advisor's
    events with it."""

    async def insert_advisor(self, advisor: Document, events: Iterable[Envelope] = ()) -> None: ...
    async def advisor(self, office_id: str, advisor_id: str) -> Document | None: ...
    async def advisors(self, office_id: str) -> list[Document]: ...
    async def update_advisor(
        self,
        office_id: str,
        advisor_id: str,
        fields: Mapping[str, Any],
        events: Iterable[Envelope] = (),
    ) -> Document | None: ...
    async def advisor_by_feed(self, token_hash: str) -> Document | None: ...


class AdvisorStore:
    """The advisors' part of :class:`hoppid.scheduling.store.SchedulingStore`."""

    db: AsyncDatabase[Document]
    topic: str

    async def insert_advisor(self, advisor: Document, events: Iterable[Envelope] = ()) -> None:
        """The advisor with its ``advisor.changed`` event in its outbox: one insert."""
        await self.db[ADVISORS].insert_one({**advisor, **outbox_fields(self.topic, events)})

    async def advisor(self, office_id: str, advisor_id: str) -> Document | None:
        return await self.db[ADVISORS].find_one(
            {"_id": advisor_id, "office_id": office_id}, HIDE_OUTBOX
        )

    async def advisors(self, office_id: str) -> list[Document]:
        cursor = (
            self.db[ADVISORS].find({"office_id": office_id}, HIDE_OUTBOX).sort("_id", ASCENDING)
        )
        return [advisor async for advisor in cursor]

    async def update_advisor(
        self,
        office_id: str,
        advisor_id: str,
        fields: Mapping[str, Any],
        events: Iterable[Envelope] = (),
    ) -> Document | None:
        """Change the advisor, with its events in the same single-document update."""
        selector = {"_id": advisor_id, "office_id": office_id}
        update = {"$set": dict(fields)}
        return await change_with_outbox(self.db[ADVISORS], selector, update, self.topic, events)

    async def advisor_by_feed(self, token_hash: str) -> Document | None:
        return await self.db[ADVISORS].find_one({"feed_token_hash": token_hash}, HIDE_OUTBOX)
