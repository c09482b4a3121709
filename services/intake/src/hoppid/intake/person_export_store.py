"""The person's exports in the store (``exports``): the only place their Mongo operators are
written. ``person_export`` gathers them; an export is written with its request's event in its
outbox, and each service's part is kept once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pymongo import DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from hoppid.shared.envelope import Envelope
from hoppid.shared.mongo import IndexSpec
from hoppid.shared.outbox import HIDE_OUTBOX, outbox_fields, outbox_indexes

Document = dict[str, Any]
EXPORTS = "exports"
INDEXES = [
    # a request while one is being gathered gives that one (the page's button pressed twice)
    IndexSpec(EXPORTS, ["person_id", "requested_at"]),
    IndexSpec(EXPORTS, ["requested_at"]),  # the purge of those past their time
    *outbox_indexes([EXPORTS]),
]


class ExportStore:
    def __init__(self, database: AsyncDatabase[Document], topic: str) -> None:
        self.collection = database[EXPORTS]
        self.topic = topic

    async def newest_of(self, person_id: str, since: datetime) -> Document | None:
        """The person's export asked for last, if after ``since``."""
        cursor = (
            self.collection.find(
                {"person_id": person_id, "requested_at": {"$gt": since}}, HIDE_OUTBOX
            )
            .sort("requested_at", DESCENDING)
            .limit(1)
        )
        return await anext(aiter(cursor), None)

    async def add(self, export: Document, events: Iterable[Envelope]) -> None:
        await self.collection.insert_one({**export, **outbox_fields(self.topic, events)})

    async def keep_part(self, export_id: str, person_id: str, service: str, part: Document) -> bool:
        """The service's part kept in the person's export, unless one is in already; True if
        kept now."""
        result = await self.collection.update_one(
            {"_id": export_id, "person_id": person_id, f"parts.{service}": {"$exists": False}},
            {"$set": {f"parts.{service}": part}},
        )
        return result.modified_count == 1

    async def of_person(self, export_id: str, person_id: str) -> Document | None:
        return await self.collection.find_one(
            {"_id": export_id, "person_id": person_id}, HIDE_OUTBOX
        )

    async def delete_before(self, before: datetime) -> int:
        """Delete the exports asked for before ``before``; how many."""
        result = await self.collection.delete_many({"requested_at": {"$lt": before}})
        return result.deleted_count
