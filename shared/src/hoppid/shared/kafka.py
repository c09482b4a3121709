"""Kafka: the broker factory, topic names and creation, publishing an envelope.

Producers are idempotent with acks=all, so a retried send never writes an event twice and an
acknowledged event survives. Consumers live in :mod:`hoppid.shared.consumer`.

Every client authenticates as :class:`KafkaSecurity` says: nothing (PLAINTEXT, the default) or
SASL (SCRAM) with a user of its own, whose ACLs say what it may read and write
(docs/security.md#kafka). A service passes its settings' credentials; tools and tests that have
no settings object read the same ``HOPPID_KAFKA_*`` variables from the environment.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from faststream.kafka import KafkaBroker
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

from hoppid.shared.envelope import Envelope
from hoppid.shared.settings import ServiceSettings, check_kafka_security

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


@dataclass(frozen=True)
class KafkaSecurity:
    """How a client authenticates to the broker: PLAINTEXT (nobody) or SASL as one user."""

    protocol: str = "PLAINTEXT"
    mechanism: str = "SCRAM-SHA-512"
    username: str = ""
    password: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        check_kafka_security(self.protocol, self.mechanism, self.username, self.password)

    @property
    def sasl(self) -> bool:
        return self.protocol.startswith("SASL_")

    @classmethod
    def of(cls, settings: ServiceSettings) -> KafkaSecurity:
        return cls(
            settings.kafka_security_protocol,
            settings.kafka_sasl_mechanism,
            settings.kafka_username,
            settings.kafka_password.get_secret_value(),
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> KafkaSecurity:
        """The ``HOPPID_KAFKA_*`` variables, as :class:`ServiceSettings` reads them."""
        env = os.environ if env is None else env
        return cls(
            env.get("HOPPID_KAFKA_SECURITY_PROTOCOL", "PLAINTEXT").upper(),
            env.get("HOPPID_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512").upper(),
            env.get("HOPPID_KAFKA_USERNAME", ""),
            env.get("HOPPID_KAFKA_PASSWORD", ""),
        )

    def options(self) -> dict[str, Any]:
        """The keyword arguments of an aiokafka client (producer, consumer, admin)."""
        if not self.sasl:
            return {"security_protocol": self.protocol}
        return {
            "security_protocol": self.protocol,
            "sasl_mechanism": self.mechanism,
            "sasl_plain_username": self.username,
            "sasl_plain_password": self.password,
        }

    def faststream(self) -> BaseSecurity | None:
        """The same for FastStream's KafkaBroker (``security=``)."""
        if not self.sasl:
            return BaseSecurity(use_ssl=True) if self.protocol == "SSL" else None
        kind = {"PLAIN": SASLPlaintext, "SCRAM-SHA-256": SASLScram256}.get(
            self.mechanism, SASLScram512
        )
        return kind(self.username, self.password, use_ssl=self.protocol == "SASL_SSL")


def client_options(
    bootstrap_servers: str, security: KafkaSecurity | None = None, **options: Any
) -> dict[str, Any]:
    """An aiokafka client's keyword arguments: the servers, the credentials (from the
    environment when none are given) and ``options``."""
    chosen = KafkaSecurity.from_env() if security is None else security
    return {"bootstrap_servers": bootstrap_servers, **chosen.options(), **options}


def make_broker(
    settings: ServiceSettings, *, client_id: str, middlewares: Sequence[Any] = ()
) -> KafkaBroker:
    """A FastStream Kafka broker whose producer never loses or doubles an acknowledged event."""
    return KafkaBroker(
        settings.kafka_bootstrap_servers,
        security=KafkaSecurity.of(settings).faststream(),
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        middlewares=tuple(middlewares),
        # the broker's own reconnect/back-off; readiness reports the outage meanwhile
        request_timeout_ms=15_000,
        retry_backoff_ms=200,
    )


async def ensure_topics(
    bootstrap_servers: str,
    topics: Iterable[str],
    *,
    partitions: int,
    replication: int = 1,
    security: KafkaSecurity | None = None,
) -> None:
    """Create the topics that do not exist yet; existing ones are left as they are."""
    admin = AIOKafkaAdminClient(**client_options(bootstrap_servers, security))
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
