"""scheduling's MongoDB store: one object over the features' collections.

Each feature keeps its own queries (``offices.store``, ``advisors.store``, ``meetings.store``);
this class joins them over one database and topic, and keeps the people erased here (ids only),
whose links this service refuses, and the answers to people's export requests
(hoppid.scheduling.exports). Events go out through the outboxes of ``bookings``, ``offers`` and
``advisors`` (hoppid.shared.outbox).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from hoppid.scheduling.advisors.store import ADVISORS, AdvisorStore
from hoppid.scheduling.advisors.store import INDEXES as ADVISOR_INDEXES
from hoppid.scheduling.meetings.store import BOOKINGS, OFFERS, MeetingStore
from hoppid.scheduling.meetings.store import INDEXES as MEETING_INDEXES
from hoppid.scheduling.offices.store import INDEXES as OFFICE_INDEXES
from hoppid.scheduling.offices.store import OfficeStore
from hoppid.shared.export_answers import ExportAnswerStore
from hoppid.shared.outbox import outbox_indexes

Document = dict[str, Any]

ERASED = "erased_people"  # ids only: people whose links this service refuses
OUTBOX_COLLECTIONS = (BOOKINGS, OFFERS, ADVISORS)

INDEXES = [
    *MEETING_INDEXES,
    *OFFICE_INDEXES,
    *ADVISOR_INDEXES,
    *outbox_indexes(OUTBOX_COLLECTIONS),
]


class SchedulingStore(OfficeStore, AdvisorStore, MeetingStore, ExportAnswerStore):
    def __init__(
        self,
        database: AsyncDatabase[Document],
        topic: str,
        claim_grace: timedelta = timedelta(seconds=60),
    ) -> None:
        self.db = database
        self.topic = topic
        self.claim_grace = claim_grace  # see MeetingStore

    # --- people erased: ids only; their links stop working here ----------------------------------
    async def mark_erased(self, person_id: str, at: datetime) -> None:
        await self.db[ERASED].update_one(
            {"_id": person_id}, {"$setOnInsert": {"erased_at": at}}, upsert=True
        )

    async def is_erased(self, person_id: str) -> bool:
        return await self.db[ERASED].find_one({"_id": person_id}) is not None
