"""A published envelope, read back by a plain aiokafka consumer, has every CloudEvents header."""

import json
from datetime import UTC, datetime

from aiokafka.admin import AIOKafkaAdminClient

from hoppid.shared.envelope import Envelope
from hoppid.shared.kafka import Topics, ensure_topics, make_broker, publish_envelope
from hoppid.shared.settings import ServiceSettings
from hoppid.shared.testing import eventually, kafka_client, kafka_servers

from .helpers import header_map, read_all


async def test_published_envelope_is_plain_cloudevents_binary_mode(topic_prefix: str) -> None:
    topic = Topics(topic_prefix).domain("intake")
    await ensure_topics(kafka_servers(), [topic], partitions=3)
    envelope = Envelope(
        type="no.hoppid.intake.case.opened.v1",
        source="/hoppid/intake",
        subject="case-42",
        office="nordveggen",
        municipality="1539",
        data={"needs": ["guidance"], "by": "Ærlig"},
        time=datetime(2026, 11, 28, 9, 15, tzinfo=UTC),
    )
    broker = make_broker(
        ServiceSettings(kafka_bootstrap_servers=kafka_servers()), client_id="test-envelope"
    )
    await broker.start()
    try:
        await publish_envelope(broker, topic, envelope)
    finally:
        await broker.stop()

    [record] = await read_all(topic, expected=1)
    headers = header_map(record)
    assert headers["ce_id"] == envelope.id
    assert headers["ce_type"] == "no.hoppid.intake.case.opened.v1"
    assert headers["ce_source"] == "/hoppid/intake"
    assert headers["ce_specversion"] == "1.0"
    assert headers["ce_time"] == "2026-11-28T09:15:00Z"
    assert headers["ce_subject"] == "case-42"
    assert headers["ce_office"] == "nordveggen"
    assert headers["ce_municipality"] == "1539"
    assert headers["content-type"] == "application/json"
    assert record.key == b"case-42"
    assert json.loads(record.value) == {"needs": ["guidance"], "by": "Ærlig"}
    assert Envelope.from_kafka(record.headers, record.value) == envelope


async def test_topics_are_created_with_partitions_and_creation_is_idempotent(
    topic_prefix: str,
) -> None:
    topics = Topics(topic_prefix)
    names = [topics.domain("scheduling"), Topics.dlq(topics.domain("scheduling")), topics.public]
    await ensure_topics(kafka_servers(), names, partitions=4)
    await ensure_topics(kafka_servers(), names, partitions=4)  # again: no error
    admin = AIOKafkaAdminClient(**kafka_client())
    await admin.start()

    async def partitions() -> dict[str, int] | None:
        # the broker learns new topics from the controller a moment after they are created
        described = await admin.describe_topics(names)
        found = {t["topic"]: len(t["partitions"]) for t in described if t["error_code"] == 0}
        return found if set(found) == set(names) else None

    try:
        found = await eventually(partitions, timeout=30, what="the topics described")
    finally:
        await admin.close()
    assert found == dict.fromkeys(names, 4)
    assert names[1].endswith("hoppid.scheduling.dlq")
