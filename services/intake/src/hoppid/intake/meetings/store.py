"""The projection's collection (``case_meetings``: one row per booking, ``_id`` = booking id),
its guarded writes and the reads the case page and "my day" make, each with its index."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from hoppid.intake.meetings.projection import Change
from hoppid.intake.store import CASES
from hoppid.shared.mongo import IndexSpec

Document = dict[str, Any]
MEETINGS = "case_meetings"
SHOWN = {"times_key": 0, "status_key": 0}  # the order keys are bookkeeping, not for pages
INDEXES = [
    IndexSpec(MEETINGS, ["case_id", "start"]),  # the case page (of_case)
    IndexSpec(MEETINGS, ["office_id", "advisor_id", "start"]),  # my day (of_advisor)
    IndexSpec(CASES, ["office_id", "advisor_id"]),  # my day's applications due (due_on_cases)
]


class CaseMeetings:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self.db = database
        self.rows = database[MEETINGS]

    async def apply(self, change: Change) -> bool:
        """One guarded change (projection.py): applied when its key is above the row's for its
        part, or the row or that part is new. True when the row changed."""
        part = change.key_field
        guard = {
            "_id": change.booking_id,
            "$or": [{part: {"$exists": False}}, {part: {"$lt": change.key}}],
        }
        update: Document = {"$set": {**change.fields, part: change.key}}
        if change.if_new:
            update["$setOnInsert"] = change.if_new
        try:
            result = await self.rows.update_one(guard, update, upsert=True)
        except DuplicateKeyError:
            # the row exists: it holds this change or a later one (no match, nothing to do), or
            # another instance inserted it meanwhile (the guarded update applies it now)
            result = await self.rows.update_one(guard, update)
        return bool(result.modified_count or result.upserted_id is not None)

    async def of_case(self, office_id: str, case_id: str) -> list[Document]:
        """The case's meetings, earliest first."""
        query = {"case_id": case_id, "office_id": office_id}
        return [row async for row in self.rows.find(query, SHOWN).sort("start", 1)]

    async def of_advisor(
        self, office_id: str, advisor_id: str, since: datetime, until: datetime
    ) -> list[Document]:
        """The advisor's meetings starting in [since, until), earliest first, cancelled ones
        left out."""
        query = {
            "office_id": office_id,
            "advisor_id": advisor_id,
            "start": {"$gte": since, "$lt": until},
        }
        found = self.rows.find(query, SHOWN).sort("start", 1)
        return [row async for row in found if row.get("status") != "cancelled"]

    async def references(self, office_id: str, case_ids: list[str]) -> dict[str, str]:
        """case id → reference, the office's own cases only."""
        query = {"_id": {"$in": case_ids}, "office_id": office_id}
        return {
            c["_id"]: c["reference"] async for c in self.db[CASES].find(query, {"reference": 1})
        }

    async def due_on_cases(
        self, office_id: str, advisor_id: str, first: str, last: str
    ) -> list[Document]:
        """The advisor's cases with an application whose deadline is between the ISO days
        ``first`` and ``last`` (the caller picks the applications themselves)."""
        query = {
            "office_id": office_id,
            "advisor_id": advisor_id,
            "applications.deadline": {"$gte": first, "$lte": last},
        }
        shown = {"reference": 1, "applications": 1}
        return [case async for case in self.db[CASES].find(query, shown)]
