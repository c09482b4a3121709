"""Kafka with SASL (SCRAM-SHA-512) and ACLs, as the local stack runs it with HOPPID_KAFKA_SASL=on
(deploy/local/kafka.sh, kafka/acls.txt): nobody gets in without a user, a service writes only
its own topic, a partner reads hoppid.public and nothing else (docs/security.md#kafka).

The broker is one of its own (Kafka alone, on free ports, in a folder of its own, started with
deploy/local/stack.sh), so this runs whether or not the suite's stack has SASL on."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from hoppid.intake.consumers import CASE_MEETINGS
from hoppid.shared.envelope import Envelope
from hoppid.shared.kafka import (
    KafkaSecurity,
    client_options,
    ensure_topics,
    make_broker,
    publish_envelope,
)
from hoppid.shared.settings import ServiceSettings
from hoppid.shared.testing import free_port

ROOT = Path(__file__).resolve().parents[1]
STACK = ROOT / "deploy" / "local" / "stack.sh"
TOPICS = ["hoppid.intake", "hoppid.intake.dlq", "hoppid.scheduling", "hoppid.public"]


class SaslBroker:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.env = {
            # the stack's settings are its own; only the download cache is shared
            **{k: v for k, v in os.environ.items() if not k.startswith("HOPPID_")},
            **{k: v for k, v in os.environ.items() if k == "HOPPID_CACHE_DIR"},
            "HOPPID_STACK_DIR": str(folder),
            "HOPPID_KAFKA_PORT": str(self.port),
            "HOPPID_KAFKA_CONTROLLER_PORT": str(free_port()),
            "HOPPID_KAFKA_HEAP": "256m",
            "HOPPID_KAFKA_SASL": "on",
        }

    @property
    def servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stack(self, command: str) -> None:
        done = subprocess.run(
            ["bash", str(STACK), command, "kafka"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, f"stack.sh {command} kafka:\n{done.stdout}{done.stderr}"

    def security(self, user: str) -> KafkaSecurity:
        """A user's credentials, as the stack wrote them for it."""
        lines = (self.folder / "kafka" / "credentials" / f"{user}.env").read_text().splitlines()
        return KafkaSecurity.from_env(dict(line.split("=", 1) for line in lines if "=" in line))

    def client(self, user: str | None, **options: Any) -> dict[str, Any]:
        security = KafkaSecurity() if user is None else self.security(user)
        return client_options(self.servers, security, request_timeout_ms=5000, **options)


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SaslBroker]:
    sasl = SaslBroker(tmp_path_factory.mktemp("sasl-stack"))
    try:
        sasl.stack("up")
        yield sasl
    finally:
        sasl.stack("down")


@pytest.fixture
async def topics(broker: SaslBroker) -> AsyncIterator[None]:
    await ensure_topics(broker.servers, TOPICS, partitions=1, security=broker.security("admin"))
    yield


async def produce(broker: SaslBroker, user: str | None, topic: str, value: bytes) -> None:
    producer = AIOKafkaProducer(**broker.client(user, acks="all", enable_idempotence=True))
    try:
        await asyncio.wait_for(producer.start(), 20)
        await asyncio.wait_for(producer.send_and_wait(topic, value), 20)
    finally:
        with contextlib.suppress(Exception):
            await producer.stop()


async def read_all(broker: SaslBroker, user: str, topic: str, group: str) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        **broker.client(
            user, group_id=group, enable_auto_commit=False, auto_offset_reset="earliest"
        )
    )
    await asyncio.wait_for(consumer.start(), 20)
    try:
        partition = TopicPartition(topic, 0)
        consumer.assign([partition])
        await consumer.seek_to_beginning(partition)
        values: list[bytes] = []
        async with asyncio.timeout(20):
            while not values:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    values.extend(r.value for r in records)
        await consumer.commit()
        return values
    finally:
        await consumer.stop()


async def test_a_client_without_a_user_cannot_produce(broker: SaslBroker, topics: None) -> None:
    with pytest.raises((KafkaError, TimeoutError, OSError)):
        await produce(broker, None, "hoppid.intake", b"forged api_key.issued")


async def test_a_wrong_password_is_refused(broker: SaslBroker, topics: None) -> None:
    wrong = KafkaSecurity("SASL_PLAINTEXT", "SCRAM-SHA-512", "intake", "not-the-password")
    producer = AIOKafkaProducer(**client_options(broker.servers, wrong, request_timeout_ms=5000))
    with pytest.raises((KafkaError, TimeoutError)):
        try:
            await asyncio.wait_for(producer.start(), 20)
        finally:
            with contextlib.suppress(Exception):
                await producer.stop()


async def test_each_service_writes_its_own_topic_only(broker: SaslBroker, topics: None) -> None:
    await produce(broker, "intake", "hoppid.intake", b"intake's own")
    await produce(broker, "scheduling", "hoppid.scheduling", b"scheduling's own")
    # a consumer of intake's topic may dead-letter into its DLQ
    await produce(broker, "scheduling", "hoppid.intake.dlq", b"dead letter")
    for user in ("scheduling", "notifications", "reporting", "partner"):
        with pytest.raises(KafkaError):
            await produce(broker, user, "hoppid.intake", b"forged api_key.issued")
    with pytest.raises(KafkaError):
        await produce(broker, "intake", "hoppid.public", b"not intake's")


async def test_a_service_publishes_through_its_settings(broker: SaslBroker, topics: None) -> None:
    """The services' own path: ServiceSettings' HOPPID_KAFKA_* into FastStream's KafkaBroker."""
    intake = broker.security("intake")
    settings = ServiceSettings(
        kafka_bootstrap_servers=broker.servers,
        kafka_security_protocol=intake.protocol,
        kafka_username=intake.username,
        kafka_password=intake.password,
    )
    kafka = make_broker(settings, client_id="test-sasl")
    await kafka.start()
    try:
        envelope = Envelope(
            type="no.hoppid.intake.test.v1",
            source="test",
            subject="s1",
            data={"n": 1},
            time=datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
        )
        await publish_envelope(kafka, "hoppid.intake", envelope)
    finally:
        await kafka.stop()
    values = await read_all(broker, "scheduling", "hoppid.intake", "hoppid.scheduling.test")
    assert any(b'"n"' in value for value in values)


async def test_intake_reads_scheduling_s_meetings_in_its_own_group(
    broker: SaslBroker, topics: None
) -> None:
    """intake's case meetings (intake/meetings) come from scheduling's topic in the group
    hoppid.intake.case-meetings: intake may read and commit there, not in another's group."""
    await produce(broker, "scheduling", "hoppid.scheduling", b"meeting.booked")
    group = f"hoppid.intake.{CASE_MEETINGS}"
    assert b"meeting.booked" in await read_all(broker, "intake", "hoppid.scheduling", group)
    with pytest.raises((KafkaError, TimeoutError)):
        await read_all(broker, "intake", "hoppid.scheduling", f"hoppid.reporting.{CASE_MEETINGS}")


async def test_the_partner_reads_the_public_topic_and_nothing_else(
    broker: SaslBroker, topics: None
) -> None:
    await produce(broker, "reporting", "hoppid.public", b'{"fact": 1}')
    # something to read on intake's topic, so a read that was let through would end the wait
    await produce(broker, "intake", "hoppid.intake", b"internal")
    assert await read_all(broker, "partner", "hoppid.public", "partner-example") == [b'{"fact": 1}']
    admin = AIOKafkaAdminClient(**broker.client("partner"))
    await admin.start()
    try:
        assert set(await admin.list_topics()) == {"hoppid.public"}
    finally:
        await admin.close()
    with pytest.raises((KafkaError, TimeoutError)):
        await read_all(broker, "partner", "hoppid.intake", "partner-example")
    with pytest.raises((KafkaError, TimeoutError)):  # a service's group is not the partner's
        await read_all(broker, "partner", "hoppid.public", "hoppid.reporting.partner-facts")
    with pytest.raises(KafkaError):
        await produce(broker, "partner", "hoppid.public", b"forged fact")
