"""The outbox: a state change and the events it causes are written in one atomic update.

Neither MongoDB without a replica set nor FerretDB has multi-document transactions, so pending
events live inside the aggregate's own document, in an ``outbox`` array written by the same
update as the state (GUIDE.md section 5). The relay publishes the entries and then removes them.
A crash between the two re-publishes the entries later (same CloudEvents ids): consumers are
idempotent, so a re-publish is harmless, while a loss is impossible.

How the relay finds and moves events:

- **A pending marker.** The update that adds entries also sets ``outbox_pending: true``
  (:func:`with_outbox`, :func:`outbox_fields`), and every outbox collection declares an index on
  it (:func:`outbox_indexes`), so the relay's ``{outbox_pending: true}`` is an index look-up
  (an equality on a top-level field: what the local store can push down), not a scan of every
  document. The relay unsets the marker only with an update whose filter says the outbox is
  empty, so it never hides an entry pushed meanwhile. Documents written before the marker
  existed get it from a one-time pass at the relay's first start (:meth:`OutboxRelay.backfill`).
- **Concurrent sends.** All entries of a pass are handed to the producer one after another
  (the idempotent producer keeps that order within a key) and their acks are awaited together;
  then the documents whose whole outbox went out are emptied by one unordered bulk update per
  collection (each statement conditional on the outbox being what was read); a document
  written meanwhile, or with an entry that failed, gets updates of its own.
- **Parking.** An entry Kafka will never accept (too large, a topic name it rejects, a malformed
  entry) is moved, after ``max_attempts`` failed passes, from ``outbox`` to ``outbox_parked`` with
  its error, and counted in ``hoppid_outbox_parked_total``, so later events and documents still
  go out. Transient errors (broker down, timeouts) are never parked: the entry is tried again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiokafka.errors import (
    CorruptRecordException,
    InvalidTopicError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    RecordTooLargeError,
    TopicAuthorizationFailedError,
    UnsupportedForMessageFormatError,
)
from pymongo import ReturnDocument, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from hoppid.shared.clock import real_now
from hoppid.shared.envelope import Envelope
from hoppid.shared.metrics import ServiceMetrics
from hoppid.shared.mongo import IndexSpec

log = logging.getLogger("hoppid.outbox")

OUTBOX = "outbox"
PENDING = "outbox_pending"
PARKED = "outbox_parked"
# the outbox's bookkeeping in an aggregate's document, which reads leave out
OUTBOX_FIELDS = (OUTBOX, PENDING, PARKED)
HIDE_OUTBOX: dict[str, Any] = {name: 0 for name in OUTBOX_FIELDS}
# where the relay notes which collections got their markers once (see OutboxRelay.backfill)
RELAY_STATE = "outbox_relay"

Document = dict[str, Any]
# Hands an event to Kafka. It returns the pending acknowledgement (an awaitable the relay waits
# for together with the others) or None when it has waited for the acknowledgement itself.
Publish = Callable[[str, Envelope], Awaitable[Awaitable[object] | None]]

# Kafka's answers that mean "this record will never be accepted as it is", not "try later".
_PERMANENT_ERRORS: tuple[type[BaseException], ...] = (
    MessageSizeTooLargeError,
    RecordTooLargeError,
    RecordListTooLargeError,
    InvalidTopicError,
    TopicAuthorizationFailedError,
    UnsupportedForMessageFormatError,
    CorruptRecordException,
)
# Kafka's legal topic names; any other name would only time out waiting for metadata
_TOPIC_NAME = re.compile(r"[A-Za-z0-9._-]{1,249}")


class UnpublishableEntry(ValueError):
    """An outbox entry that can never be published as it is (malformed, or a bad topic name)."""


def outbox_entries(topic: str, envelopes: Iterable[Envelope]) -> list[Document]:
    """The entries for events (the ``outbox`` list alone: insert with :func:`outbox_fields`)."""
    return [{"topic": topic, "event": envelope.to_document()} for envelope in envelopes]


def outbox_fields(topic: str, envelopes: Iterable[Envelope]) -> Document:
    """The fields to add to a new document (an insert): its outbox and the pending marker."""
    entries = outbox_entries(topic, envelopes)
    return {OUTBOX: entries, PENDING: True} if entries else {OUTBOX: entries}


def with_outbox(
    update: Mapping[str, Any], topic: str, envelopes: Iterable[Envelope]
) -> dict[str, Any]:
    """Add events to an update document, so the state change and its events land together."""
    combined = {operator: dict(fields) for operator, fields in update.items()}
    push = combined.setdefault("$push", {})
    if OUTBOX in push:
        raise ValueError("the update already pushes to the outbox")
    entries = outbox_entries(topic, envelopes)
    push[OUTBOX] = {"$each": entries}
    if entries:
        combined.setdefault("$set", {})[PENDING] = True
    return combined


def outbox_indexes(collections: Iterable[str]) -> list[IndexSpec]:
    """The index the relay's look-up needs, for each collection with an outbox."""
    return [IndexSpec(name, [PENDING], name="outbox_pending") for name in collections]


def without_outbox(document: Document | None) -> Document | None:
    """The document without the outbox's bookkeeping (where a read could not project it out:
    FerretDB 1.24 cannot project in findAndModify)."""
    if document is not None:
        for name in OUTBOX_FIELDS:
            document.pop(name, None)
    return document


async def change_with_outbox(
    collection: AsyncCollection[Document],
    selector: Mapping[str, Any],
    update: Mapping[str, Any],
    topic: str,
    envelopes: Iterable[Envelope] = (),
) -> Document | None:
    """Change the one document ``selector`` matches, with its events in the same single-document
    update (no change without its events, no event without its change); the document after the
    change, or None when nothing matched (gone, or no longer as ``selector`` expects)."""
    events = list(envelopes)
    full = with_outbox(update, topic, events) if events else dict(update)
    found = await collection.find_one_and_update(
        dict(selector), full, return_document=ReturnDocument.AFTER
    )
    return without_outbox(found)  # FerretDB 1.24 cannot project in findAndModify


@dataclass
class _Attempt:
    """One entry's way through a pass: handed to the producer, acknowledged or failed."""

    entry: Document
    ack: Awaitable[object] | None = None
    error: Exception | None = None


@dataclass
class _Pending:
    collection: str
    document: Document
    attempts: list[_Attempt] = field(default_factory=list)


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
        max_attempts: int = 3,
        settle_concurrency: int = 4,
    ) -> None:
        self.database = database
        self.collections = tuple(collections)
        self.publish = publish
        self.metrics = metrics
        self.interval_seconds = interval_seconds
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        # documents updated at once after a pass: 4 is about 30% faster than one at a time on
        # FerretDB/PostgreSQL; 16 made FerretDB on SQLite answer "database is locked"
        self.settle_concurrency = settle_concurrency
        self._wake = asyncio.Event()
        self._failures: dict[str, int] = {}  # event id -> passes it failed for good in a row
        self._backfilled = False

    def notify(self) -> None:
        """Something was written: publish now instead of waiting for the next tick."""
        self._wake.set()

    async def backfill(self) -> int:
        """Once per collection: give documents written before the pending marker existed (an
        outbox, no marker) their marker. Notes each collection done in ``outbox_relay``, so
        later starts skip the scan. Returns how many documents it marked."""
        state = self.database[RELAY_STATE]
        marked = 0
        for name in self.collections:
            if await state.find_one({"_id": name}) is not None:
                continue
            unmarked = self.database[name].find(
                {f"{OUTBOX}.0": {"$exists": True}, PENDING: {"$exists": False}}, {"_id": 1}
            )
            async for document in unmarked:
                result = await self.database[name].update_one(
                    {"_id": document["_id"], f"{OUTBOX}.0": {"$exists": True}},
                    {"$set": {PENDING: True}},
                )
                marked += result.modified_count
            await state.update_one({"_id": name}, {"$set": {"marked_at": real_now()}}, upsert=True)
        if marked:
            log.info("marked %d documents written before the outbox marker as pending", marked)
        return marked

    async def publish_pending(self) -> int:
        """One pass over every collection; returns how many events were published."""
        pending = [_Pending(name, document) async for name, document in self._pending_documents()]
        times = [_event_time(entry) for p in pending for entry in p.document.get(OUTBOX, [])]
        self._record_backlog(times)  # stays as it is if the pass fails below

        # 1. hand every entry to the producer in order; 2. wait for all the acks together
        for item in pending:
            for entry in item.document.get(OUTBOX, []):
                item.attempts.append(await self._hand_over(entry))
        await asyncio.gather(*(_acknowledged(a) for p in pending for a in p.attempts))

        # 3. documents whose whole outbox went out are cleared together, one command per
        # collection; per document, one update removes what went out and parks what never will
        failures, self._failures = self._failures, {}
        limit = asyncio.Semaphore(self.settle_concurrency)
        cleared = [item for item in pending if _all_published(item)]
        rest = [item for item in pending if not _all_published(item)]
        settled = await asyncio.gather(
            *(self._clear(name, items, limit) for name, items in _by_collection(cleared)),
            *(self._settle(item, failures, limit) for item in rest),
            return_exceptions=True,
        )
        published = sum(len([a for a in p.attempts if a.error is None]) for p in pending)
        self.metrics.outbox_published.labels(self.metrics.service).inc(published)

        waiting = [a for p in pending for a in p.attempts if a.error is not None]
        waiting = [a for a in waiting if _event_id(a.entry) in self._failures or not _permanent(a)]
        self._record_backlog([_event_time(a.entry) for a in waiting])
        if waiting:
            log.warning(
                "outbox relay: %d events not published yet, will retry; first error: %r",
                len(waiting),
                waiting[0].error,
            )
        for outcome in settled:
            if isinstance(outcome, BaseException):
                raise outcome
        return published

    async def _pending_documents(self) -> AsyncIterator[tuple[str, Document]]:
        for name in self.collections:
            cursor = self.database[name].find({PENDING: True}, {OUTBOX: 1})
            async for document in cursor.limit(self.batch_size):
                yield name, document

    async def _hand_over(self, entry: Document) -> _Attempt:
        attempt = _Attempt(entry)
        try:
            topic, envelope = _checked(entry)
            attempt.ack = await self.publish(topic, envelope)
        except Exception as error:
            attempt.error = error
        return attempt

    async def _clear(
        self, collection: str, items: list[_Pending], limit: asyncio.Semaphore
    ) -> None:
        """Empty the outboxes of documents whose every entry went out: one unordered bulk
        update for all of them (each statement still conditional on the outbox being what was
        read, as the single update of :meth:`_settle`). If any of them changed meanwhile (an
        entry added), each is settled on its own: removing exact entries and unsetting the
        marker only when empty are harmless to repeat on the ones already cleared."""
        updates = [
            UpdateOne(
                {"_id": item.document["_id"], OUTBOX: item.document[OUTBOX]},
                {"$set": {OUTBOX: []}, "$unset": {PENDING: ""}},
            )
            for item in items
        ]
        async with limit:
            result = await self.database[collection].bulk_write(updates, ordered=False)
        if result.matched_count == len(updates):
            return
        for item in items:
            await self._remove(item, [a.entry for a in item.attempts], [], limit)

    async def _settle(
        self, item: _Pending, failures: Mapping[str, int], limit: asyncio.Semaphore
    ) -> None:
        """Remove the published entries and park the hopeless ones, in one update if the
        outbox is still what was read (else two: the removal, then the marker if it is empty)."""
        parked: list[Document] = []
        done: list[Document] = []
        for attempt in item.attempts:
            if attempt.error is None:
                done.append(attempt.entry)
            elif _permanent(attempt):
                event_id = _event_id(attempt.entry)
                failed = failures.get(event_id, 0) + 1
                if failed < self.max_attempts:
                    self._failures[event_id] = failed
                    continue
                done.append(attempt.entry)
                parked.append(_parked(attempt, failed))
        outbox = item.document.get(OUTBOX, [])
        if outbox and not done:
            return
        collection = self.database[item.collection]
        document_id = item.document["_id"]
        update: dict[str, Any] = {"$push": {PARKED: {"$each": parked}}} if parked else {}
        if len(done) == len(outbox):  # all of it, if nothing was added since it was read
            async with limit:
                result = await collection.update_one(
                    {"_id": document_id, OUTBOX: outbox},
                    {**update, "$set": {OUTBOX: []}, "$unset": {PENDING: ""}},
                )
            if result.matched_count != 1:
                await self._remove(item, done, parked, limit)
        else:
            await self._remove(item, done, parked, limit)
        self._count_parked(item, parked)

    async def _remove(
        self,
        item: _Pending,
        done: list[Document],
        parked: list[Document],
        limit: asyncio.Semaphore,
    ) -> None:
        """Remove exact entries (and park some) from an outbox that changed since it was read;
        then unset the marker if the outbox is empty."""
        collection = self.database[item.collection]
        document_id = item.document["_id"]
        update: dict[str, Any] = {"$push": {PARKED: {"$each": parked}}} if parked else {}
        async with limit:
            # $pullAll takes exact entries: FerretDB 1.24 ignores $pull with a condition
            if done:
                await collection.update_one(
                    {"_id": document_id}, {**update, "$pullAll": {OUTBOX: done}}
                )
            await collection.update_one(
                {"_id": document_id, f"{OUTBOX}.0": {"$exists": False}},
                {"$unset": {PENDING: ""}},
            )

    def _count_parked(self, item: _Pending, parked: list[Document]) -> None:
        for record in parked:
            topic = str(record.get("topic", ""))
            self.metrics.outbox_parked.labels(self.metrics.service, topic).inc()
            log.error(
                "outbox relay parked event %s of %s %s for %s after %d attempts: %s",
                _event_id(record),
                item.collection,
                item.document["_id"],
                topic,
                record["attempts"],
                record["error"],
            )

    def _record_backlog(self, times: list[datetime]) -> None:
        service = self.metrics.service
        self.metrics.outbox_backlog.labels(service).set(len(times))
        oldest = (real_now() - min(times)).total_seconds() if times else 0.0
        self.metrics.outbox_oldest_age.labels(service).set(oldest)

    async def run(self) -> None:
        """Relay until cancelled; errors (broker or store down) are logged and tried again."""
        while True:
            try:
                if not self._backfilled:
                    await self.backfill()
                    self._backfilled = True
                await self.publish_pending()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("outbox relay pass failed, will retry: %s", error)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval_seconds)


def _all_published(item: _Pending) -> bool:
    """Every entry of the outbox as read went out (nothing failed, nothing to park)."""
    return bool(item.attempts) and all(attempt.error is None for attempt in item.attempts)


def _by_collection(items: Iterable[_Pending]) -> list[tuple[str, list[_Pending]]]:
    grouped: dict[str, list[_Pending]] = {}
    for item in items:
        grouped.setdefault(item.collection, []).append(item)
    return list(grouped.items())


async def _acknowledged(attempt: _Attempt) -> None:
    if attempt.ack is None:
        return
    try:
        await attempt.ack
    except Exception as error:
        attempt.error = error


def _checked(entry: Mapping[str, Any]) -> tuple[str, Envelope]:
    """The entry's topic and event, or UnpublishableEntry if Kafka could never take it."""
    try:
        topic = entry["topic"]
        envelope = Envelope.from_document(entry["event"])
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise UnpublishableEntry(f"malformed outbox entry: {error!r}") from error
    if not isinstance(topic, str) or not _TOPIC_NAME.fullmatch(topic) or topic in {".", ".."}:
        raise UnpublishableEntry(f"not a valid Kafka topic name: {topic!r}")
    return topic, envelope


def _permanent(attempt: _Attempt) -> bool:
    return isinstance(attempt.error, (UnpublishableEntry, *_PERMANENT_ERRORS))


def _parked(attempt: _Attempt, attempts: int) -> Document:
    """What ``outbox_parked`` keeps: the entry as it was, why it failed, and when."""
    error = attempt.error
    return {
        **attempt.entry,
        "error": f"{type(error).__name__}: {error}",
        "attempts": attempts,
        "parked_at": real_now(),
    }


def _event_id(entry: Mapping[str, Any]) -> str:
    event = entry.get("event")
    return str(event.get("id", "")) if isinstance(event, Mapping) else ""


def _event_time(entry: Mapping[str, Any]) -> datetime:
    event = entry.get("event")
    time = event.get("time") if isinstance(event, Mapping) else None
    if not isinstance(time, datetime):
        return real_now()  # a malformed entry: it will be parked
    return time  # aware: the store is read with tz_aware=True (hoppid.shared.mongo)
