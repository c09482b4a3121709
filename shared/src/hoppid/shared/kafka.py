"""Kafka: the broker factory, topic names and creation, publishing an envelope.

Producers are idempotent with acks=all, so a retried send never writes an event twice and an
acknowledged event survives. Consumers live in :mod:`hoppid.shared.consumer`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from faststream.kafka import KafkaBroker

from hoppid.shared.envelope import Envelope
from hoppid.shared.settings import ServiceSettings

# Kafka's error code for "topic already exists": creating topics is idempotent for us.
_TOPIC_ALREADY_EXISTS = 36


@dataclass(frozen=True)
class Topics:
    """Topic names: one per producing service, the partner topic, and a DLQ beside each."""

    prefix: str = ""

    def domain(self, service: str) -> str:
        return f"{self.prefix}hoppid.{service}"

    @property
    def public(self) -> str:
        return f"{self.prefix}hoppid.public"

    @staticmethod
    def dlq(topic: str) -> str:
        return f"{topic}.dlq"


def make_broker(
    settings: ServiceSettings, *, client_id: str, middlewares: Sequence[Any] = ()
) -> KafkaBroker:
    """A FastStream Kafka broker whose producer never loses or doubles an acknowledged event."""
    return KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        middlewares=tuple(middlewares),
        # the broker's own reconnect/back-off; readiness reports the outage meanwhile
        request_timeout_ms=15_000,
        retry_backoff_ms=200,
    )


async def ensure_topics(
    bootstrap_servers: str, topics: Iterable[str], *, partitions: int, replication: int = 1
) -> None:
    """Create the topics that do not exist yet; existing ones are left as they are."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [name for name in dict.fromkeys(topics) if name not in existing]
        if not missing:
            return
        response = await admin.create_topics(
            [
                NewTopic(name, num_partitions=partitions, replication_factor=replication)
                for name in missing
            ]
        )
        failures = [
            (error[0], error[1])
            for error in response.topic_errors
            if error[1] not in (0, _TOPIC_ALREADY_EXISTS)
        ]
        if failures:
            raise RuntimeError(f"could not create topics: {failures}")
    finally:
        await admin.close()


async def publish_envelope(broker: KafkaBroker, topic: str, envelope: Envelope) -> None:
    """Publish one event in CloudEvents binary mode, keyed by its subject; wait for the ack."""
    await (await send_envelope(broker, topic, envelope))


async def send_envelope(broker: KafkaBroker, topic: str, envelope: Envelope) -> Awaitable[object]:
    """Hand one event to the producer and return its pending ack without waiting for it.

    Sends made one after another keep their order within a key (the idempotent producer keeps
    a partition's order), so a caller may send many events and then await the acks together.
    An event the producer refuses at once (larger than its max request size) raises here."""
    ack: Awaitable[object] = await broker.publish(
        envelope.value(),
        topic,
        key=envelope.key(),
        headers=envelope.headers(),
        # FastStream's own correlation header carries the event id, so its logs line up with ours
        correlation_id=envelope.id,
        no_confirm=True,
    )
    return ack
