"""Idempotent consumers: an event handled twice has its effect once.

Kafka redelivers (after a crash, a rebalance, or an outbox re-publish), so every consumer either
makes its effect and its "handled" mark one atomic single-document update (:func:`apply_once`),
or makes an effect that is itself safe to repeat (an upsert keyed by the event id, a set).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

Document = dict[str, Any]
APPLIED = "applied_events"


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
