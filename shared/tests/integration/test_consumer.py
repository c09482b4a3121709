"""The consumer wrapper: commit after success, retry transient errors, dead-letter poison."""

import asyncio
from typing import Any

from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from hoppid.shared.consumer import EventConsumer, TransientError
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.kafka import Topics, ensure_topics, make_broker
from hoppid.shared.metrics import ServiceMetrics
from hoppid.shared.settings import ServiceSettings
from hoppid.shared.testing import eventually, kafka_servers

from .helpers import ThingBroke, ThingHappened, header_map, read_all, test_catalogue


async def produce(topic: str, records: list[tuple[list[tuple[str, bytes]], bytes]]) -> None:
    """Write raw records in order to partition 0: poison must be craftable byte by byte."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka_servers(), acks="all")
    await producer.start()
    try:
        for headers, value in records:
            await producer.send_and_wait(
                topic, value, key=b"same-subject", partition=0, headers=headers
            )
    finally:
        await producer.stop()


def raw(event: Event, **attributes: str) -> tuple[list[tuple[str, bytes]], bytes]:
    envelope = event.to_envelope(source="/test", subject="same-subject")
    headers = {**envelope.headers(), **attributes}
    return [(k, v.encode()) for k, v in headers.items()], envelope.value()


class Harness:
    """A consumer of one single-partition topic, and what its handlers did."""

    def __init__(self, prefix: str, *, max_retries: int = 3) -> None:
        self.topic = Topics(prefix).domain("testing")
        self.metrics = ServiceMetrics("testing")
        self.broker = make_broker(
            ServiceSettings(kafka_bootstrap_servers=kafka_servers()), client_id="test-consumer"
        )
        self.consumer = EventConsumer(
            broker=self.broker,
            group_id=f"{prefix}group",
            topics=(self.topic,),
            catalogue=test_catalogue(),
            metrics=self.metrics,
            max_retries=max_retries,
            retry_base_seconds=0.05,
        )
        self.handled: list[str] = []

    async def create_topics(self) -> None:
        await ensure_topics(kafka_servers(), [self.topic, Topics.dlq(self.topic)], partitions=1)

    async def __aenter__(self) -> "Harness":
        await self.create_topics()
        self.consumer.attach()
        await self.broker.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.broker.stop()

    async def committed_offset(self) -> int | None:
        admin = AIOKafkaAdminClient(bootstrap_servers=kafka_servers())
        await admin.start()
        try:
            offsets = await admin.list_consumer_group_offsets(self.consumer.group_id)
        finally:
            await admin.close()
        meta = offsets.get(TopicPartition(self.topic, 0))
        return meta.offset if meta else None


async def test_poison_events_go_to_the_dlq_and_the_partition_moves_on(topic_prefix: str) -> None:
    harness = Harness(topic_prefix)

    @harness.consumer.on(ThingHappened.event_type)
    async def count(event: Event, envelope: Envelope) -> None:
        assert isinstance(event, ThingHappened)
        harness.handled.append(event.counter)

    @harness.consumer.on(ThingBroke.event_type)
    async def always_fails(event: Event, envelope: Envelope) -> None:
        raise ValueError("this handler always fails")

    good_headers, _ = raw(ThingHappened(counter="x"))
    await harness.create_topics()
    await produce(
        harness.topic,
        [
            (good_headers, b"{not json"),  # offset 0
            raw(ThingHappened(counter="x"), ce_type="no.hoppid.test.nobody.knows.v1"),  # 1
            raw(ThingBroke(reason="bug")),  # 2
            raw(ThingHappened(counter="after-the-poison")),  # 3
        ],
    )
    async with harness:
        await eventually(lambda: _value(harness.handled), what="the event after the poison")
        dead = await read_all(Topics.dlq(harness.topic), expected=3)
        assert await eventually(_committed_at(harness, 4), what="offset 4 committed") == 4

    assert harness.handled == ["after-the-poison"]
    errors = [header_map(r)["hoppid_dlq_error"] for r in dead]
    assert "not valid JSON" in errors[0]
    assert "unknown event type 'no.hoppid.test.nobody.knows.v1'" in errors[1]
    assert errors[2] == "ValueError: this handler always fails"
    for offset, record in enumerate(dead):
        origin = header_map(record)
        assert origin["hoppid_dlq_topic"] == harness.topic
        assert origin["hoppid_dlq_partition"] == "0"
        assert origin["hoppid_dlq_offset"] == str(offset)
        assert origin["hoppid_dlq_group"] == harness.consumer.group_id
        assert record.key == b"same-subject"
    assert dead[0].value == b"{not json"  # the original bytes, for examination and replay
    assert (
        harness.metrics.registry.get_sample_value(
            "hoppid_dlq_events_total", {"service": "testing", "topic": harness.topic}
        )
        == 3
    )


async def test_transient_errors_are_retried_and_never_lost(topic_prefix: str) -> None:
    # one retry per delivery: the first delivery gives up, is not committed, and comes again
    harness = Harness(topic_prefix, max_retries=1)
    failures = {"left": 3}

    @harness.consumer.on(ThingHappened.event_type)
    async def flaky(event: Event, envelope: Envelope) -> None:
        assert isinstance(event, ThingHappened)
        if failures["left"]:
            failures["left"] -= 1
            raise TransientError("store unreachable")
        harness.handled.append(event.counter)

    await harness.create_topics()
    await produce(
        harness.topic, [raw(ThingHappened(counter="first")), raw(ThingHappened(counter="second"))]
    )
    async with harness:
        await eventually(lambda: _value(len(harness.handled) == 2), what="both events")
        assert await eventually(_committed_at(harness, 2), what="offset 2 committed") == 2
    assert harness.handled == ["first", "second"]
    assert failures["left"] == 0
    assert (
        harness.metrics.registry.get_sample_value(
            "hoppid_dlq_events_total", {"service": "testing", "topic": harness.topic}
        )
        is None
    )


async def test_offset_is_not_committed_before_the_handler_succeeds(topic_prefix: str) -> None:
    harness = Harness(topic_prefix)
    release = asyncio.Event()

    @harness.consumer.on(ThingHappened.event_type)
    async def slow(event: Event, envelope: Envelope) -> None:
        await release.wait()
        harness.handled.append("done")

    await harness.create_topics()
    await produce(harness.topic, [raw(ThingHappened(counter="slow"))])
    async with harness:
        await asyncio.sleep(3)  # give the consumer time to fetch and start the handler
        assert await harness.committed_offset() in (None, -1)
        release.set()
        assert await eventually(_committed_at(harness, 1), what="commit after success") == 1


async def _value(value: Any) -> Any:
    return value


def _committed_at(harness: Harness, offset: int) -> Any:
    async def probe() -> int | None:
        committed = await harness.committed_offset()
        return committed if committed == offset else None

    return probe
