"""Idempotent consumers: an event handled twice has its effect once.

Kafka redelivers (after a crash, a rebalance, or an outbox re-publish), so every consumer either

- makes its effect and its "handled" mark one atomic single-document update
  (:func:`apply_once`: the best choice when the effect touches one document), or
- checks and records the event id in the ``inbox`` collection around an effect that is itself
  safe to repeat (:class:`Inbox`: for effects that touch several documents or the outside world).
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from hoppid.shared.clock import real_now

Document = dict[str, Any]
APPLIED = "applied_events"
INBOX = "inbox"


async def apply_once(
    collection: AsyncCollection[Document],
    selector: Mapping[str, Any],
    update: Mapping[str, Any],
    event_id: str,
    *,
    upsert: bool = False,
) -> bool:
    """Apply ``update`` to the selected document unless this event was applied to it before.

    The event id is pushed to the document's ``applied_events`` in the same update, so the
    effect and the mark cannot part. Returns False when the event had been applied already.
    """
    guarded = {**selector, APPLIED: {"$ne": event_id}}
    combined = {operator: dict(fields) for operator, fields in update.items()}
    combined.setdefault("$push", {})[APPLIED] = event_id
    try:
        result = await collection.update_one(guarded, combined, upsert=upsert)
    except DuplicateKeyError:
        # The upsert's insert collided with a document of the same key. Either the document is
        # marked with this event already, or another replica inserted it between this update's
        # match and its insert (neither MongoDB nor FerretDB retries an upsert whose filter is not
        # equalities only). The document exists now: the guarded update tells which it was.
        result = await collection.update_one(guarded, combined)
    return result.modified_count == 1 or result.upserted_id is not None


class Inbox:
    """Event ids a consumer has handled, one document each (``_id`` = consumer and event id)."""

    def __init__(self, database: AsyncDatabase[Document], consumer: str) -> None:
        self.collection = database[INBOX]
        self.consumer = consumer

    def _key(self, event_id: str) -> str:
        return f"{self.consumer}:{event_id}"

    async def seen(self, event_id: str) -> bool:
        return await self.collection.find_one({"_id": self._key(event_id)}) is not None

    async def record(self, event_id: str) -> None:
        # recorded by an earlier delivery already: fine
        with contextlib.suppress(DuplicateKeyError):
            await self.collection.insert_one(
                {
                    "_id": self._key(event_id),
                    "consumer": self.consumer,
                    "handled_at": real_now(),
                }
            )

    async def handle_once(self, event_id: str, effect: Callable[[], Awaitable[None]]) -> bool:
        """Run ``effect`` unless the event was handled; returns whether it ran.

        A crash after the effect and before the record runs the effect again on redelivery,
        so the effect itself must be safe to repeat (an upsert, a set, a keyed insert).
        """
        if await self.seen(event_id):
            return False
        await effect()
        await self.record(event_id)
        return True
