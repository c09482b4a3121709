"""Consuming events: commit per batch what is done, retry what is transient, dead-letter poison.

The subscriber takes records in batches (FastStream ``batch=True``, ``AckPolicy.MANUAL``) and
handles each partition's records in order, one by one (:meth:`EventConsumer._handle`); a consumer
given ``concurrency`` > 1 keeps that order per key (the subject) instead, and handles records of
different keys at once, up to ``concurrency`` at a time:

- a type this consumer has no handler for: skipped and counted (``hoppid_events_skipped_total``),
  neither parsed nor dead-lettered: producers and consumers are deployed at different times;
- not a readable CloudEvent, invalid data, or a handler error that is not transient: the record
  goes to ``<topic>.dlq`` with the error and its origin in headers, and the partition moves on;
- a transient error (the store or the broker unreachable): retried with exponential backoff; when
  the retries are spent, that record and the rest of its partition's batch are *not* committed:
  the consumer seeks the partition back to it, so it comes again, and nothing is lost while a
  server is down;
- done (handled, skipped or dead-lettered): counted towards the batch's commit.

After the batch, one commit sets each partition's offset to its first record that is not done
(never past a record that is not done; never ``ACK_FIRST``). A crash before that commit
redelivers the batch, so handlers must be idempotent (see inbox.py). Decision record:
docs/decisions/0006.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from prometheus_client import Counter
from pydantic import ValidationError
from pymongo.errors import ConnectionFailure, NetworkTimeout, PyMongoError

from hoppid.shared.clock import real_now
from hoppid.shared.dlq import safe_error
from hoppid.shared.envelope import Envelope, EnvelopeError
from hoppid.shared.events.base import Event
from hoppid.shared.events.catalogue import EventCatalogue, validation_problems
from hoppid.shared.kafka import Topics
from hoppid.shared.logs import correlation_id
from hoppid.shared.metrics import ServiceMetrics
from hoppid.shared.mongo import store_unavailable
from hoppid.shared.pii import PersonalDataVault

log = logging.getLogger("hoppid.consumer")

Handler = Callable[[Event, Envelope], Awaitable[None]]

MAX_BACKOFF_SECONDS = 30.0
_MAX_ERROR_HEADER = 2000


class TransientError(Exception):
    """Raise from a handler for a failure that may pass if tried again later."""


TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    TransientError,
    ConnectionFailure,  # includes AutoReconnect and ServerSelectionTimeoutError
    NetworkTimeout,
    KafkaConnectionError,
    KafkaTimeoutError,
    TimeoutError,
    ConnectionError,
)


def transient(error: BaseException) -> bool:
    """Whether an error may pass if the record is tried again later: the broker or the store out
    of reach, or the store answering that it cannot serve now (e.g. FerretDB while its
    PostgreSQL is down: an InternalError, see :func:`hoppid.shared.mongo.store_unavailable`),
    which must never send a good event to the DLQ."""
    if isinstance(error, TRANSIENT_ERRORS):
        return True
    return isinstance(error, PyMongoError) and store_unavailable(error)


@dataclass
class EventConsumer:
    """One consumer group of a service over some topics, with one handler per event type."""

    broker: KafkaBroker
    group_id: str
    topics: tuple[str, ...]
    catalogue: EventCatalogue
    metrics: ServiceMetrics
    offices: frozenset[str] = frozenset()
    max_retries: int = 5
    retry_base_seconds: float = 0.2
    handlers: dict[str, Handler] = field(default_factory=dict)
    vault: PersonalDataVault | None = None  # decrypts sealed personal fields before handlers
    # a batch: at most this many records from one poll (all partitions together) ...
    batch_max_records: int = 1000
    # ... and no new record started after this long: the rest is sought back and polled again,
    # so slow handlers never keep the consumer from polling (max_poll_interval_ms is 300 s)
    batch_max_seconds: float = 30.0
    # how long a poll waits for records when there are none (FastStream sleeps as long again)
    batch_timeout_ms: int = 100
    # records handled at once, of different keys (a key's records always one after another, in
    # their partition's order); 1: each partition's records one after another, as they come
    concurrency: int = 1
    _handled_counters: dict[tuple[str, str], Counter] = field(
        default_factory=dict, init=False, repr=False
    )
    _commit_in_flight: asyncio.Task[None] | None = field(default=None, init=False, repr=False)

    def on(self, *event_types: str) -> Callable[[Handler], Handler]:
        """Decorator: handle these event types (other types are skipped, counted and committed)."""

        def register(handler: Handler) -> Handler:
            for event_type in event_types:
                self.catalogue.model_for(event_type)  # fails early on a typo
                self.handlers[event_type] = handler
            return handler

        return register

    def attach(self) -> None:
        """Subscribe to the broker; call before the broker starts."""
        self.broker.subscriber(
            *self.topics,
            batch=True,
            max_records=self.batch_max_records,
            batch_timeout_ms=self.batch_timeout_ms,
            group_id=self.group_id,
            auto_offset_reset="earliest",
            # commits are ours: one per batch, for the records that are done (see _handle_batch)
            ack_policy=AckPolicy.MANUAL,
            decoder=_no_body,
            title=f"{self.group_id}:{','.join(self.topics)}",
        )(self._on_batch)

    async def _on_batch(self, body: bytes, message: KafkaMessage) -> None:
        # ``body`` is unused (see _no_body); typed as one record's value, it keeps the AsyncAPI
        # document describing the records on the topic rather than FastStream's polls
        consumer = message.consumer
        if not isinstance(consumer, AIOKafkaConsumer):  # FastStream's test client has none
            raise TypeError(f"a batch needs the aiokafka consumer, not {consumer!r}")
        records: Sequence[Any] = message.raw_message  # aiokafka ConsumerRecords, in poll order
        await self._handle_batch(consumer, records)

    async def _handle_batch(self, consumer: AIOKafkaConsumer, records: Sequence[Any]) -> None:
        """Handle one poll's records, each key's in order; commit what is done, once.

        Records are handled in lanes: one per partition, or with ``concurrency`` > 1 one per
        (partition, key), several lanes at once. A lane stops at a record that must come again
        (transient error with its retries spent, or the DLQ unreachable), and so do the other
        lanes of its partition past that record's offset (it comes again, and they with it);
        every lane stops once the batch has taken ``batch_max_seconds``. Each partition is then
        sought back to its first record not done, so the next poll starts there, and one commit
        covers, per partition, the records before it.
        """
        partitions: dict[TopicPartition, list[Any]] = {}
        for record in records:
            partitions.setdefault(TopicPartition(record.topic, record.partition), []).append(record)
        batch = _Batch(partitions, time.monotonic() + self.batch_max_seconds)
        try:
            if self.concurrency <= 1:
                for partition, mine in partitions.items():
                    await self._lane(batch, partition, mine, None)
            else:
                await self._lanes_at_once(batch)
        finally:
            # runs on a shutdown or an unforeseen error too: no later commit may skip a record
            done = batch.done()
            self._rewind(consumer, partitions, done)
        await self._commit(consumer, done)

    async def _lanes_at_once(self, batch: _Batch) -> None:
        lanes: dict[tuple[TopicPartition, bytes | None], list[Any]] = {}
        for partition, mine in batch.partitions.items():
            for record in mine:
                lanes.setdefault((partition, record.key), []).append(record)
        slots = asyncio.Semaphore(self.concurrency)
        # every lane runs to its end (a handler is never cut off mid-way by another's error);
        # then an unforeseen error is raised, and nothing of this batch is committed
        results = await asyncio.gather(
            *(self._lane(batch, partition, mine, slots) for (partition, _), mine in lanes.items()),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def _lane(
        self,
        batch: _Batch,
        partition: TopicPartition,
        records: list[Any],
        slots: asyncio.Semaphore | None,
    ) -> None:
        """Handle records of one partition (of one key, with ``concurrency`` > 1) in order."""
        handled = batch.handled.setdefault(partition, set())
        for record in records:
            if time.monotonic() > batch.deadline or batch.stopped(partition, record.offset):
                return
            if slots is None:
                ok = await self._handle(record)
            else:
                async with slots:
                    ok = await self._handle(record)
            if not ok:
                batch.stop(partition, record.offset)
                return
            handled.add(record.offset)

    def _rewind(
        self,
        consumer: AIOKafkaConsumer,
        partitions: dict[TopicPartition, list[Any]],
        done: dict[TopicPartition, int],
    ) -> None:
        """Seek each partition whose batch is not all done back to its first record not done."""
        assigned = consumer.assignment()
        for partition, batch in partitions.items():
            first_not_done = done.get(partition, batch[0].offset)
            if first_not_done > batch[-1].offset or partition not in assigned:
                continue  # all done; or revoked meanwhile: its new owner starts at the commit
            consumer.seek(partition, first_not_done)
            log.warning(
                "%s[%d] not done from offset %d: it comes again",
                partition.topic,
                partition.partition,
                first_not_done,
            )

    async def _commit(self, consumer: AIOKafkaConsumer, done: dict[TopicPartition, int]) -> None:
        """Send one commit for the batch, without waiting for it: the next poll and batch go on
        meanwhile. At most one commit is in flight (the next batch's waits for it), so the
        offsets reach the broker in order."""
        previous, self._commit_in_flight = self._commit_in_flight, None
        if previous is not None and not previous.done():
            await asyncio.wait([previous])  # its failure is its own (logged), never this batch's
        assigned = consumer.assignment()
        offsets = {partition: offset for partition, offset in done.items() if partition in assigned}
        if offsets:
            self._commit_in_flight = asyncio.create_task(_send_commit(consumer, offsets))

    async def _handle(self, record: Any) -> bool:
        """Handle one record: True when it is done, False when it must come again."""
        event_type = _header(record.headers, "ce_type")
        handler = self.handlers.get(event_type)
        if handler is None and event_type:  # not ours: neither parsed nor dead-lettered
            # a type no catalogue of this build knows is labelled "unknown": labels stay bounded
            label = event_type if self.catalogue.knows(event_type) else "unknown"
            self.metrics.events_skipped.labels(self.metrics.service, record.topic, label).inc()
            return True
        try:
            envelope = Envelope.from_kafka(record.headers, record.value)  # no ce_type: poison
            if handler is None:  # unreachable: a record without ce_type is refused just above
                raise EnvelopeError(f"no handler for {envelope.type!r}")
            token = correlation_id.set(envelope.id)
            try:
                await self._with_retries(
                    record.topic, lambda: self._dispatch(handler, envelope, record.topic)
                )
            finally:
                correlation_id.reset(token)
        except Exception as error:
            if transient(error):
                return False  # retries spent: not committed, the record comes again
            try:
                await self._dead_letter(record, error)
            except Exception as dlq_error:
                log.error("could not dead-letter the event; it comes again: %s", dlq_error)
                return False
        return True

    async def _dispatch(self, handler: Handler, envelope: Envelope, topic: str) -> None:
        if self.vault is not None:
            envelope = await self.vault.unseal(envelope)  # the store may be down: transient
        event = self.catalogue.parse(envelope)  # invalid data: poison
        if not self._serves(envelope.office):
            return
        await handler(event, envelope)
        counter = self._handled_counters.get((topic, envelope.type))
        if counter is None:  # a labelled child once per topic and type, not per event
            counter = self.metrics.events_handled.labels(self.metrics.service, topic, envelope.type)
            self._handled_counters[(topic, envelope.type)] = counter
        counter.inc()
        log.info("handled %s", envelope.type, extra={"event_type": envelope.type})

    def _serves(self, office: str) -> bool:
        return not self.offices or not office or office in self.offices

    async def _with_retries(self, topic: str, work: Callable[[], Awaitable[None]]) -> None:
        for attempt in range(self.max_retries + 1):
            try:
                await work()
                return
            except Exception as error:
                if not transient(error):
                    raise
                if attempt == self.max_retries:
                    log.error(
                        "transient error, retries spent; will come again: %s", error_text(error)
                    )
                    raise
                self.metrics.consumer_retries.labels(self.metrics.service, topic).inc()
                delay = min(self.retry_base_seconds * 2**attempt, MAX_BACKOFF_SECONDS)
                log.warning("transient error, retry in %.1fs: %s", delay, error_text(error))
                await asyncio.sleep(delay)

    async def _dead_letter(self, record: Any, error: Exception) -> None:
        dlq = Topics.dlq(record.topic)
        headers = {
            name: (value or b"").decode("utf-8", "replace") for name, value in record.headers
        }
        headers.update(dead_letter_headers(record, error, self.group_id))
        await self.broker.publish(record.value or b"", dlq, key=record.key, headers=headers)
        self.metrics.dlq_events.labels(self.metrics.service, record.topic).inc()
        log.error(
            "poison event sent to %s: %s",
            dlq,
            error_text(error),
            extra={"topic": record.topic, "partition": record.partition, "offset": record.offset},
        )


@dataclass
class _Batch:
    """What one poll's handling has done so far, per partition."""

    partitions: dict[TopicPartition, list[Any]]
    deadline: float  # time.monotonic() after which no record is started
    handled: dict[TopicPartition, set[int]] = field(default_factory=dict)  # offsets done
    _stops: dict[TopicPartition, int] = field(default_factory=dict)  # lowest offset not done

    def stop(self, partition: TopicPartition, offset: int) -> None:
        """This record must come again: nothing of its partition past it is started."""
        self._stops[partition] = min(offset, self._stops.get(partition, offset))

    def stopped(self, partition: TopicPartition, offset: int) -> bool:
        stop = self._stops.get(partition)
        return stop is not None and offset > stop

    def done(self) -> dict[TopicPartition, int]:
        """Per partition with a done record at its start: the offset of its first record not
        done (one past its last record when all are), i.e. what the commit may say."""
        done: dict[TopicPartition, int] = {}
        for partition, records in self.partitions.items():
            handled = self.handled.get(partition, set())
            next_offset = records[0].offset
            for record in records:
                if record.offset not in handled:
                    break
                next_offset = record.offset + 1
            if next_offset > records[0].offset:
                done[partition] = next_offset
        return done


async def _send_commit(consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
    try:
        await consumer.commit(offsets)
    except Exception as error:  # never lost: the records are only delivered again
        # e.g. a rebalance took the partitions: they come again to their new owner (handlers are
        # idempotent); or the consumer stopped; otherwise the next batch's commit covers these
        log.warning("could not commit %s: %s", offsets, error)


def dead_letter_headers(record: Any, error: Exception, group_id: str) -> dict[str, str]:
    """Why and from where an event was dead-lettered, so it can be examined and replayed."""
    return {
        "hoppid_dlq_error": error_text(error)[:_MAX_ERROR_HEADER],
        "hoppid_dlq_topic": record.topic,
        "hoppid_dlq_partition": str(record.partition),
        "hoppid_dlq_offset": str(record.offset),
        "hoppid_dlq_group": group_id,
        "hoppid_dlq_time": real_now().isoformat(),
    }


def error_text(error: BaseException) -> str:
    """An error as the DLQ headers and the logs show it: never the values it was about.

    The catalogue's parse already names fields, not values; a handler's own pydantic error (a
    model built from unsealed personal data, say) quotes its input (``input_value=...``), so it
    is written the catalogue's way, and any other text has pydantic's quoted inputs cut
    (:func:`hoppid.shared.dlq.safe_error`: an error that wraps a pydantic message)."""
    if isinstance(error, ValidationError):
        return f"ValidationError: {error.title}: {validation_problems(error)}"
    return safe_error(f"{type(error).__name__}: {error}")


def _header(headers: Iterable[tuple[str, bytes | None]], name: str) -> str:
    for key, value in headers:
        if key == name:
            return (value or b"").decode("utf-8", "replace")
    return ""


async def _no_body(message: Any) -> bytes:
    """Keep FastStream from decoding the values (bad JSON must reach our DLQ, not its logs): the
    batch's records are read from ``message.raw_message``, so FastStream hands an empty body."""
    return b""


def dead_letter_topics(topics: Iterable[str]) -> list[str]:
    return [Topics.dlq(topic) for topic in topics]
