"""How much the shared consumer (FastStream batches + envelope parsing + a commit per batch) costs.

Against baselines in the same run, on the same topic: a plain aiokafka consumer that only reads
(the ceiling; the target is at least 0.25 of it), one that commits after each poll and one that
commits after each record (on a sample: it is too slow for the whole topic). ``EventConsumer`` is
timed until every event is handled *and* its offsets are committed. Also the publish path:
``publish_envelope`` awaiting each ack, against a plain aiokafka producer sending the same
records in one batch. Writes a table to stdout (each row's rate as a ratio of the first row of
its kind); scripts/bench.sh puts it in docs/benchmarks.md. Run with the local stack up:
``make bench`` (EVENTS=5000 by default), or ``.venv/bin/python bench/consumer_throughput.py N``.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import ClassVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pydantic import Field

from hoppid.shared.consumer import EventConsumer
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event, EventCatalogue
from hoppid.shared.kafka import Topics, client_options, ensure_topics, make_broker, publish_envelope
from hoppid.shared.metrics import ServiceMetrics
from hoppid.shared.settings import ServiceSettings

SERVERS = os.environ.get("HOPPID_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
PARTITIONS = 3
# committing each record makes ~150 events/s here: that baseline reads a sample, not the topic
COMMIT_EACH_SAMPLE = 2000


class BenchHappened(Event):
    """A benchmark event."""

    event_type: ClassVar[str] = "no.hoppid.bench.thing.happened.v1"
    n: int = Field(description="Sequence number")


def envelopes(count: int) -> list[Envelope]:
    return [
        BenchHappened(n=i).to_envelope(source="/bench", subject=f"case-{i % 50}", office="x")
        for i in range(count)
    ]


async def timed(run: Callable[[], Awaitable[None]]) -> float:
    started = time.perf_counter()
    await run()
    return time.perf_counter() - started


async def produce_plain(topic: str, items: list[Envelope]) -> None:
    producer = AIOKafkaProducer(**client_options(SERVERS), acks="all", enable_idempotence=True)
    await producer.start()
    try:
        futures = [
            await producer.send(
                topic,
                e.value(),
                key=e.key(),
                headers=[(k, v.encode()) for k, v in e.headers().items()],
            )
            for e in items
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def produce_envelopes(topic: str, items: list[Envelope]) -> None:
    broker = make_broker(ServiceSettings(kafka_bootstrap_servers=SERVERS), client_id="bench")
    await broker.start()
    try:
        for envelope in items:
            await publish_envelope(broker, topic, envelope)  # as the outbox relay does
    finally:
        await broker.stop()


async def consume_plain(topic: str, count: int, *, commit: str) -> None:
    """Read ``count`` records; commit never, after each ``"poll"`` or after each ``"record"``."""
    consumer = AIOKafkaConsumer(
        topic,
        **client_options(SERVERS),
        group_id=f"bench-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    seen = 0
    try:
        while seen < count:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for record in records:
                    Envelope.from_kafka(record.headers, record.value)
                    seen += 1
                    if commit == "record":
                        await consumer.commit(
                            {TopicPartition(topic, record.partition): record.offset + 1}
                        )
                        if seen == count:
                            return
            if commit == "poll" and batch:
                await consumer.commit()
    finally:
        await consumer.stop()


async def consume_shared(topic: str, count: int) -> None:
    catalogue = EventCatalogue()
    catalogue.register(BenchHappened)
    broker = make_broker(ServiceSettings(kafka_bootstrap_servers=SERVERS), client_id="bench")
    consumer = EventConsumer(
        broker=broker,
        group_id=f"bench-{uuid.uuid4().hex}",
        topics=(topic,),
        catalogue=catalogue,
        metrics=ServiceMetrics("bench"),
    )
    done = asyncio.Event()
    handled = 0

    @consumer.on(BenchHappened.event_type)
    async def count_it(event: Event, envelope: Envelope) -> None:
        nonlocal handled
        handled += 1
        if handled == count:
            done.set()

    consumer.attach()
    await broker.start()
    try:
        await asyncio.wait_for(done.wait(), 600)
        await committed(consumer.group_id, topic, count)
    finally:
        await broker.stop()


async def committed(group_id: str, topic: str, count: int) -> None:
    """Wait until the group's committed offsets on the topic add up to ``count``."""
    admin = AIOKafkaAdminClient(**client_options(SERVERS))
    await admin.start()
    try:
        while True:
            offsets = await admin.list_consumer_group_offsets(group_id)
            if sum(m.offset for tp, m in offsets.items() if tp.topic == topic) >= count:
                return
            await asyncio.sleep(0.02)
    finally:
        await admin.close()


async def main(count: int) -> None:
    logging_off()
    topic = Topics(f"bench-{uuid.uuid4().hex[:8]}.").domain("bench")
    await ensure_topics(SERVERS, [topic, Topics.dlq(topic)], partitions=PARTITIONS)
    try:
        rows = await measure(topic, count)
    finally:  # the local broker's heap is small: leave no 40,000-event topics behind
        admin = AIOKafkaAdminClient(**client_options(SERVERS))
        await admin.start()
        try:
            await admin.delete_topics([topic, Topics.dlq(topic)])
        finally:
            await admin.close()
    print("| path | events | seconds | events/s | ratio to baseline |\n|---|---:|---:|---:|---:|")
    baseline: dict[str, float] = {}
    for name, events, seconds in rows:
        rate = events / seconds
        kind = name.split(":")[0]
        baseline.setdefault(kind, rate)
        print(f"| {name} | {events} | {seconds:.2f} | {rate:,.0f} | {rate / baseline[kind]:.2f} |")


async def measure(topic: str, count: int) -> list[tuple[str, int, float]]:
    items = envelopes(count)
    total = 2 * count  # both produce paths write the same events to the topic
    sample = min(total, COMMIT_EACH_SAMPLE)
    return [
        (
            "produce: plain aiokafka, batched (baseline)",
            count,
            await timed(lambda: produce_plain(topic, items)),
        ),
        (
            "produce: publish_envelope, one ack at a time",
            count,
            await timed(lambda: produce_envelopes(topic, items)),
        ),
        (
            "consume: plain aiokafka, no commit (baseline)",
            total,
            await timed(lambda: consume_plain(topic, total, commit="never")),
        ),
        (
            "consume: plain aiokafka, commit per poll",
            total,
            await timed(lambda: consume_plain(topic, total, commit="poll")),
        ),
        (
            f"consume: plain aiokafka, commit each record (first {sample})",
            sample,
            await timed(lambda: consume_plain(topic, sample, commit="record")),
        ),
        (
            "consume: EventConsumer (FastStream batches, commit per batch), to the last commit",
            total,
            await timed(lambda: consume_shared(topic, total)),
        ),
    ]


def logging_off() -> None:
    import logging

    logging.disable(logging.WARNING)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000))
