"""The deliveries' persistence.

A delivery document is the claim on one message (unique ``_id`` = hash of event, channel and
recipient), its state, and the status events it causes, written in its own ``outbox`` array by
the same single-document update (hoppid.shared.outbox). Each update of one document is atomic
on the store (MongoDB; the local store since decision 0007), so several instances may run.
A mixin of :class:`hoppid.notifications.store.NotificationsStore`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from hoppid.shared.envelope import Envelope
from hoppid.shared.mongo import IndexSpec
from hoppid.shared.outbox import HIDE_OUTBOX, outbox_fields, outbox_indexes, with_outbox

Document = dict[str, Any]

DELIVERIES = "deliveries"
OUTBOX_COLLECTIONS = (DELIVERIES,)

INDEXES = [
    IndexSpec(DELIVERIES, ["status", "scheduled_for"], name="due"),
    IndexSpec(DELIVERIES, ["person_id"]),
    *outbox_indexes(OUTBOX_COLLECTIONS),
]

DONE = ("sent", "failed", "suppressed")  # deliveries that will not change any more
# what a delivery past its period keeps no more (retention.py): only what counts stays
ANONYMOUS = {
    "to": None,
    "subject": None,
    "person_id": None,
    "recipient_id": None,
    "case_id": None,
}


class Deliveries(Protocol):
    """The deliveries' repository: :class:`DeliveriesStore` (MongoDB) and
    :class:`hoppid.notifications.delivery.memory.MemoryDeliveries` (unit tests)."""

    async def claim(self, delivery: Document, events: Iterable[Envelope] = ()) -> bool: ...
    async def delivery(self, delivery_id: str) -> Document | None: ...
    async def due(self, now: datetime, limit: int = 100) -> list[str]: ...
    async def take(self, delivery_id: str, now: datetime) -> Document | None: ...
    async def finish(
        self,
        delivery_id: str,
        fields: Mapping[str, Any],
        events: Iterable[Envelope] = (),
        *,
        if_status: str | None,
    ) -> bool: ...
    async def schedule_retry(
        self, delivery_id: str, at: datetime, attempts: int, last_error: str, now: datetime
    ) -> bool: ...
    async def deliveries_of_person(self, person_id: str) -> list[Document]: ...
    async def count_stuck(self, before: datetime) -> int: ...
    async def anonymise_deliveries_before(self, before: datetime, now: datetime) -> int: ...


class DeliveriesStore:
    db: AsyncDatabase[Document]
    topic: str

    # --- deliveries ----------------------------------------------------------------------
    async def claim(self, delivery: Document, events: Iterable[Envelope] = ()) -> bool:
        """Insert the delivery unless it exists; False means another delivery of the event won."""
        try:
            await self.db[DELIVERIES].insert_one({**delivery, **outbox_fields(self.topic, events)})
            return True
        except DuplicateKeyError:
            return False

    async def delivery(self, delivery_id: str) -> Document | None:
        return await self.db[DELIVERIES].find_one({"_id": delivery_id}, HIDE_OUTBOX)

    async def due(self, now: datetime, limit: int = 100) -> list[str]:
        cursor = (
            self.db[DELIVERIES]
            .find({"status": "scheduled", "scheduled_for": {"$lte": now}}, {"_id": 1})
            .sort("scheduled_for", 1)
            .limit(limit)
        )
        return [document["_id"] async for document in cursor]

    async def take(self, delivery_id: str, now: datetime) -> Document | None:
        """Claim a scheduled delivery for one attempt (scheduled -> sending), or None if gone."""
        result = await self.db[DELIVERIES].update_one(
            {"_id": delivery_id, "status": "scheduled", "scheduled_for": {"$lte": now}},
            {"$set": {"status": "sending", "updated_at": now}},
        )
        return await self.delivery(delivery_id) if result.modified_count == 1 else None

    async def record(
        self,
        delivery_id: str,
        expect_status: str | None,
        update: Mapping[str, Any],
        events: Iterable[Envelope] = (),
    ) -> bool:
        """Change a delivery (only if still in ``expect_status``), with its status events: the
        one update the methods above are made of."""
        events = list(events)
        full = with_outbox(update, self.topic, events) if events else dict(update)
        selector: Document = {"_id": delivery_id}
        if expect_status is not None:
            selector["status"] = expect_status
        result = await self.db[DELIVERIES].update_one(selector, full)
        return result.modified_count == 1

    async def finish(
        self,
        delivery_id: str,
        fields: Mapping[str, Any],
        events: Iterable[Envelope] = (),
        *,
        if_status: str | None,
    ) -> bool:
        """Set ``fields`` (a result, a suppression, an erasure's scrub) and drop the message's
        text (``content``: it may hold the person's link), only if the delivery is still in
        ``if_status`` (None: whatever its status), with its status events."""
        update = {"$set": dict(fields), "$unset": {"content": ""}}
        return await self.record(delivery_id, if_status, update, events)

    async def schedule_retry(
        self, delivery_id: str, at: datetime, attempts: int, last_error: str, now: datetime
    ) -> bool:
        """Give a delivery being sent (``sending``) back to the poller for another attempt."""
        fields = {"status": "scheduled", "scheduled_for": at, "attempts": attempts}
        fields |= {"last_error": last_error, "updated_at": now}
        return await self.record(delivery_id, "sending", {"$set": fields})

    async def deliveries_of_person(self, person_id: str) -> list[Document]:
        cursor = self.db[DELIVERIES].find({"person_id": person_id}, HIDE_OUTBOX)
        return [document async for document in cursor]

    async def count_stuck(self, before: datetime) -> int:
        return await self.db[DELIVERIES].count_documents(
            {"status": "sending", "updated_at": {"$lt": before}}
        )

    async def anonymise_deliveries_before(self, before: datetime, now: datetime) -> int:
        """Drop whose a done delivery was (``ANONYMOUS``) and its text once it last changed
        before ``before``, marking it ``anonymised_at`` so it is done once; how many. The
        ``due`` index serves the status."""
        result = await self.db[DELIVERIES].update_many(
            {"status": {"$in": list(DONE)}, "updated_at": {"$lt": before}, "anonymised_at": None},
            {"$set": {**ANONYMOUS, "anonymised_at": now}, "$unset": {"content": ""}},
        )
        return result.modified_count
