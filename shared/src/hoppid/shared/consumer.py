"""Consuming events: commit only after success, retry what is transient, dead-letter poison.

Every record goes through :meth:`EventConsumer._on_record`:

- not a readable CloudEvent, an unknown type, invalid data, or a handler error that is not
  transient: the record goes to ``<topic>.dlq`` with the error and its origin in headers, and the
  partition moves on;
- a transient error (the store or the broker unreachable): retried with exponential backoff; when
  the retries are spent the record is *not* committed (FastStream nacks it: the consumer seeks
  back) so it comes again, and nothing is lost while a server is down;
- success: FastStream commits the offset (``AckPolicy.NACK_ON_ERROR``; never ``ACK_FIRST``).

Kafka redelivers after a crash or a rebalance, so handlers must be idempotent (see inbox.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from pymongo.errors import ConnectionFailure, NetworkTimeout

from hoppid.shared.envelope import Envelope
from hoppid.shared.events.base import Event
from hoppid.shared.events.catalogue import EventCatalogue
from hoppid.shared.kafka import Topics
from hoppid.shared.logs import correlation_id
from hoppid.shared.metrics import ServiceMetrics
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

    def on(self, *event_types: str) -> Callable[[Handler], Handler]:
        """Decorator: handle these event types (other known types are skipped and committed)."""

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
            group_id=self.group_id,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.NACK_ON_ERROR,
            decoder=_raw_value,
            title=f"{self.group_id}:{','.join(self.topics)}",
        )(self._on_record)

    async def _on_record(self, body: bytes, message: KafkaMessage) -> None:
        record: Any = message.raw_message  # one aiokafka ConsumerRecord (not a batch)
        try:
            envelope = Envelope.from_kafka(record.headers, record.value)
            token = correlation_id.set(envelope.id)
            try:
                await self._dispatch(envelope, record.topic)
            finally:
                correlation_id.reset(token)
        except TRANSIENT_ERRORS:
            raise  # retries spent: not committed, the record comes again
        except Exception as error:
            await self._dead_letter(record, error)

    async def _dispatch(self, envelope: Envelope, topic: str) -> None:
        if self.vault is not None:
            envelope = await self.vault.unseal(envelope)
        event = self.catalogue.parse(envelope)  # unknown type or invalid data: poison
        handler = self.handlers.get(envelope.type)
        if handler is None or not self._serves(envelope.office):
            return
        await self._with_retries(handler, event, envelope, topic)
        self.metrics.events_handled.labels(self.metrics.service, topic, envelope.type).inc()
        log.info("handled %s", envelope.type, extra={"event_type": envelope.type})

    def _serves(self, office: str) -> bool:
        return not self.offices or not office or office in self.offices

    async def _with_retries(
        self, handler: Handler, event: Event, envelope: Envelope, topic: str
    ) -> None:
        for attempt in range(self.max_retries + 1):
            try:
                await handler(event, envelope)
                return
            except TRANSIENT_ERRORS as error:
                if attempt == self.max_retries:
                    log.error("transient error, retries spent; will come again: %s", error)
                    raise
                self.metrics.consumer_retries.labels(self.metrics.service, topic).inc()
                delay = min(self.retry_base_seconds * 2**attempt, MAX_BACKOFF_SECONDS)
                log.warning("transient error, retry in %.1fs: %s", delay, error)
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
            error,
            extra={"topic": record.topic, "partition": record.partition, "offset": record.offset},
        )


def dead_letter_headers(record: Any, error: Exception, group_id: str) -> dict[str, str]:
    """Why and from where an event was dead-lettered, so it can be examined and replayed."""
    return {
        "hoppid_dlq_error": f"{type(error).__name__}: {error}"[:_MAX_ERROR_HEADER],
        "hoppid_dlq_topic": record.topic,
        "hoppid_dlq_partition": str(record.partition),
        "hoppid_dlq_offset": str(record.offset),
        "hoppid_dlq_group": group_id,
        "hoppid_dlq_time": datetime.now(UTC).isoformat(),
    }


async def _raw_value(message: Any) -> bytes:
    """Keep FastStream from decoding the value: bad JSON must reach our DLQ, not its logs."""
    return bytes(message.body or b"")


def dead_letter_topics(topics: Iterable[str]) -> list[str]:
    return [Topics.dlq(topic) for topic in topics]
