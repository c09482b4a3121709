"""The outbox: a state change and the events it causes are written in one atomic update.

Neither MongoDB without a replica set nor FerretDB has multi-document transactions, so pending
events live inside the aggregate's own document, in an ``outbox`` array written by the same
update as the state (GUIDE.md section 5). The relay publishes each entry and then removes it.
A crash between the two re-publishes the entry later (same CloudEvents id): consumers are
idempotent, so a re-publish is harmless, while a loss is impossible.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from hoppid.shared.envelope import Envelope
from hoppid.shared.metrics import ServiceMetrics
from hoppid.shared.mongo import DocumentLocks

log = logging.getLogger("hoppid.outbox")

OUTBOX = "outbox"
Document = dict[str, Any]
Publish = Callable[[str, Envelope], Awaitable[None]]


def outbox_entries(topic: str, envelopes: Iterable[Envelope]) -> list[Document]:
    """Entries to put in a new document's ``outbox`` field (for an insert)."""
    return [{"topic": topic, "event": envelope.to_document()} for envelope in envelopes]


def with_outbox(
    update: Mapping[str, Any], topic: str, envelopes: Iterable[Envelope]
) -> dict[str, Any]:
    """Add events to an update document, so the state change and its events land together."""
    combined = {operator: dict(fields) for operator, fields in update.items()}
    push = combined.setdefault("$push", {})
    if OUTBOX in push:
        raise ValueError("the update already pushes to the outbox")
    push[OUTBOX] = {"$each": outbox_entries(topic, envelopes)}
    return combined


class OutboxRelay:
    """Publishes pending outbox entries of some collections, oldest first within a document."""

    def __init__(
        self,
        database: AsyncDatabase[Document],
        collections: Iterable[str],
        publish: Publish,
        metrics: ServiceMetrics,
        *,
        interval_seconds: float = 0.5,
        batch_size: int = 500,
        locks: DocumentLocks | None = None,
    ) -> None:
        self.database = database
        self.collections = tuple(collections)
        self.publish = publish
        self.metrics = metrics
        self.interval_seconds = interval_seconds
        self.batch_size = batch_size
        self.locks = locks or DocumentLocks()
        self._wake = asyncio.Event()

    def notify(self) -> None:
        """Something was written: publish now instead of waiting for the next tick."""
        self._wake.set()

    async def publish_pending(self) -> int:
        """One pass over every collection; returns how many events were published."""
        pending = [(name, doc) async for name, doc in self._pending_documents()]
        times = [_event_time(entry) for _, doc in pending for entry in doc[OUTBOX]]
        self._record_backlog(times)  # stays as it is if publishing fails below
        published = 0
        for name, document in pending:
            for entry in document[OUTBOX]:
                await self.publish(entry["topic"], Envelope.from_document(entry["event"]))
                # remove it only if it is still first: a concurrent relay may have done so
                async with self.locks.hold(name, document["_id"]):
                    await self.database[name].update_one(
                        {"_id": document["_id"], f"{OUTBOX}.0.event.id": entry["event"]["id"]},
                        {"$pop": {OUTBOX: -1}},
                    )
                published += 1
        self.metrics.outbox_published.labels(self.metrics.service).inc(published)
        self._record_backlog([])
        return published

    async def _pending_documents(self) -> Any:
        for name in self.collections:
            cursor = self.database[name].find({f"{OUTBOX}.0": {"$exists": True}}, {OUTBOX: 1})
            async for document in cursor.limit(self.batch_size):
                yield name, document

    def _record_backlog(self, times: list[datetime]) -> None:
        service = self.metrics.service
        self.metrics.outbox_backlog.labels(service).set(len(times))
        oldest = (datetime.now(UTC) - min(times)).total_seconds() if times else 0.0
        self.metrics.outbox_oldest_age.labels(service).set(oldest)

    async def run(self) -> None:
        """Relay until cancelled; errors (broker or store down) are logged and tried again."""
        while True:
            try:
                await self.publish_pending()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("outbox relay pass failed, will retry: %s", error)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval_seconds)


def _event_time(entry: Mapping[str, Any]) -> datetime:
    time: datetime = entry["event"]["time"]
    return time if time.tzinfo else time.replace(tzinfo=UTC)
