"""How much the shared consumer (FastStream + envelope parsing + commit per event) costs.

Against a baseline in the same run, on the same topic: a plain aiokafka consumer that commits
after each record (the same at-least-once promise) and one that only reads. Also the publish
path: ``publish_envelope`` awaiting each ack, against a plain aiokafka producer sending the
same records in one batch. Writes a table to stdout; scripts/bench.sh puts it in
docs/benchmarks.md. Run with the local stack up: ``make bench`` (EVENTS=5000 by default).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import ClassVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from pydantic import Field

from hoppid.shared.consumer import EventConsumer
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event, EventCatalogue
from hoppid.shared.kafka import Topics, ensure_topics, make_broker, publish_envelope
from hoppid.shared.metrics import ServiceMetrics
from hoppid.shared.settings import ServiceSettings

SERVERS = os.environ.get("HOPPID_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")


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
    producer = AIOKafkaProducer(bootstrap_servers=SERVERS, acks="all", enable_idempotence=True)
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


async def consume_plain(topic: str, count: int, *, commit_each: bool) -> None:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=SERVERS,
        group_id=f"bench-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    seen = 0
    try:
        while seen < count:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    Envelope.from_kafka(record.headers, record.value)
                    seen += 1
                    if commit_each:
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
    finally:
        await broker.stop()


async def main(count: int) -> None:
    logging_off()
    topic = Topics(f"bench-{uuid.uuid4().hex[:8]}.").domain("bench")
    await ensure_topics(SERVERS, [topic, Topics.dlq(topic)], partitions=3)
    items = envelopes(count)
    rows = [
        (
            "produce: plain aiokafka, batched (baseline)",
            await timed(lambda: produce_plain(topic, items)),
        ),
        (
            "produce: publish_envelope, one ack at a time",
            await timed(lambda: produce_envelopes(topic, items)),
        ),
        (
            "consume: plain aiokafka, no commit (baseline)",
            await timed(lambda: consume_plain(topic, 2 * count, commit_each=False)),
        ),
        (
            "consume: plain aiokafka, commit each (baseline)",
            await timed(lambda: consume_plain(topic, 2 * count, commit_each=True)),
        ),
        (
            "consume: EventConsumer (FastStream, commit each)",
            await timed(lambda: consume_shared(topic, 2 * count)),
        ),
    ]
    print("| path | events | seconds | events/s |\n|---|---:|---:|---:|")
    for name, seconds in rows:
        events = count if name.startswith("produce") else 2 * count
        print(f"| {name} | {events} | {seconds:.2f} | {events / seconds:,.0f} |")


def logging_off() -> None:
    import logging

    logging.disable(logging.WARNING)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000))
