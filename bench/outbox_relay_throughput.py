"""How fast the outbox relay empties a backlog: pending entries in the store to acked records.

In one run, with the same events: a plain aiokafka producer sending them all and awaiting the
acks together (the ceiling: no store at all), then the relay as the services wire it (finds the
marked documents by index, hands every entry to the producer in order, awaits the acks
together, one update per document), the same relay handed a publish that awaits each
acknowledgement before the next, and the relay's pass as it was before (a scan for non-empty
outboxes, each ack awaited, one ``$pop`` per event). Each relay row starts from a fresh
database holding EVENTS events in documents of PER_DOCUMENT entries, on a fresh topic.

Usage: ``.venv/bin/python bench/outbox_relay_throughput.py [EVENTS] [PER_DOCUMENT]``
(5000 and 5 by default) with the local stack up. Writes a Markdown table to stdout.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from collections.abc import Awaitable
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from pymongo.asynchronous.database import AsyncDatabase

from hoppid.shared.envelope import Envelope
from hoppid.shared.kafka import (
    client_options,
    ensure_topics,
    make_broker,
    publish_envelope,
    send_envelope,
)
from hoppid.shared.metrics import ServiceMetrics
from hoppid.shared.mongo import apply_indexes, make_mongo_client
from hoppid.shared.outbox import PENDING, OutboxRelay, outbox_fields, outbox_indexes
from hoppid.shared.settings import ServiceSettings

SERVERS = os.environ.get("HOPPID_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
STORE = os.environ.get("HOPPID_MONGODB_URL", "mongodb://127.0.0.1:27017/")
COLLECTION = "cases"
TOPIC_PREFIX = f"bench-relay-{uuid.uuid4().hex[:6]}-"  # this run's topics, deleted at the end
Db = AsyncDatabase[dict[str, Any]]


def envelopes(count: int, per_document: int) -> list[Envelope]:
    return [
        Envelope(
            type="no.hoppid.bench.thing.happened.v1",
            source="/bench",
            subject=f"case-{n // per_document}",
            office="x",
            data={"n": n, "status": "contacted", "note": "a typical small event"},
        )
        for n in range(count)
    ]


async def fresh_topic(run: str) -> str:
    topic = f"{TOPIC_PREFIX}{run}-{uuid.uuid4().hex[:8]}"
    await ensure_topics(SERVERS, [topic], partitions=3)
    return topic


async def plain_producer(items: list[Envelope]) -> float:
    topic = await fresh_topic("plain")
    producer = AIOKafkaProducer(**client_options(SERVERS), acks="all", enable_idempotence=True)
    await producer.start()
    try:
        started = time.perf_counter()
        acks = [
            await producer.send(
                topic,
                e.value(),
                key=e.key(),
                headers=[(k, v.encode()) for k, v in e.headers().items()],
            )
            for e in items
        ]
        await asyncio.gather(*acks)
        return time.perf_counter() - started
    finally:
        await producer.stop()


async def fill(database: Db, topic: str, items: list[Envelope], per_document: int) -> None:
    await apply_indexes(database, outbox_indexes([COLLECTION]))
    documents = [
        {"_id": items[start].subject, "status": "new", **outbox_fields(topic, chunk)}
        for start in range(0, len(items), per_document)
        for chunk in [items[start : start + per_document]]
    ]
    for start in range(0, len(documents), 500):
        await database[COLLECTION].insert_many(documents[start : start + 500])


async def previous_pass(database: Db, broker: Any, batch_size: int = 500) -> int:
    """The relay's pass before issue 12, for comparison: every collection scanned for a
    non-empty outbox, each entry published and its ack awaited, then popped by its own update."""
    published = 0
    cursor = database[COLLECTION].find({"outbox.0": {"$exists": True}}, {"outbox": 1})
    async for document in cursor.limit(batch_size):
        for entry in document["outbox"]:
            await publish_envelope(broker, entry["topic"], Envelope.from_document(entry["event"]))
            await database[COLLECTION].update_one(
                {"_id": document["_id"], "outbox.0.event.id": entry["event"]["id"]},
                {"$pop": {"outbox": -1}},
            )
            published += 1
    return published


async def relay_run(items: list[Envelope], per_document: int, *, mode: str) -> float:
    client = make_mongo_client(STORE, timeout_seconds=30)
    database = client[f"bench_relay_{uuid.uuid4().hex[:10]}"]
    topic = await fresh_topic("relay")
    broker = make_broker(ServiceSettings(kafka_bootstrap_servers=SERVERS), client_id="bench")
    try:
        await fill(database, topic, items, per_document)
        await broker.start()

        async def send(topic: str, envelope: Envelope) -> Awaitable[object] | None:
            if mode == "together":
                return await send_envelope(broker, topic, envelope)
            await publish_envelope(broker, topic, envelope)
            return None

        relay = OutboxRelay(database, [COLLECTION], send, ServiceMetrics("bench"))
        published = 0
        started = time.perf_counter()
        while published < len(items):
            if mode == "previous":
                done = await previous_pass(database, broker)
            else:
                done = await relay.publish_pending()
            if done == 0:
                raise RuntimeError(f"the relay stopped after {published} of {len(items)}")
            published += done
        seconds = time.perf_counter() - started
        left = await database[COLLECTION].count_documents({"outbox.0": {"$exists": True}})
        if left:
            raise RuntimeError(f"{left} documents still hold outbox entries after the run")
        marked = await database[COLLECTION].count_documents({PENDING: True})
        if marked and mode != "previous":  # the previous relay knew no marker
            raise RuntimeError(f"{marked} documents still marked pending after the run")
        return seconds
    finally:
        await broker.stop()
        await client.drop_database(database.name)
        await client.close()


def row(path: str, events: int, seconds: float) -> str:
    return f"| {path} | {events} | {seconds:.2f} | {events / seconds:,.0f} |"


async def delete_bench_topics() -> None:
    admin = AIOKafkaAdminClient(**client_options(SERVERS))
    await admin.start()
    try:
        doomed = [name for name in await admin.list_topics() if name.startswith(TOPIC_PREFIX)]
        if doomed:
            await admin.delete_topics(doomed)
    finally:
        await admin.close()


async def main(count: int, per_document: int) -> None:
    items = envelopes(count, per_document)
    documents = -(-count // per_document)
    try:
        plain = await plain_producer(items)
        together = await relay_run(items, per_document, mode="together")
        one_by_one = await relay_run(items, per_document, mode="one_by_one")
        previous = await relay_run(items, per_document, mode="previous")
    finally:
        await delete_bench_topics()
    print("| path | events | seconds | events/s |")
    print("|---|---:|---:|---:|")
    print(row("plain aiokafka producer, acks awaited together, no store (baseline)", count, plain))
    print(
        row(
            f"OutboxRelay as wired: {documents} documents of {per_document}, "
            "sent in order, acks together, one update per document",
            count,
            together,
        )
    )
    print(row("OutboxRelay handed a publish that awaits each ack", count, one_by_one))
    print(
        row(
            "the relay before: collection scan, each ack awaited, one update per event",
            count,
            previous,
        )
    )


if __name__ == "__main__":
    arguments = [int(a) for a in sys.argv[1:3]]
    asyncio.run(main(*(arguments + [5000, 5][len(arguments) :])))
