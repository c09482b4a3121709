"""The outbox: a crash anywhere means a re-publish, never a loss; consumers apply it once."""

import asyncio
import contextlib
import json
import sys
import uuid
from pathlib import Path
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from hoppid.shared.consumer import EventConsumer
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.inbox import apply_once
from hoppid.shared.kafka import Topics, ensure_topics, make_broker, publish_envelope
from hoppid.shared.metrics import ServiceMetrics
from hoppid.shared.outbox import OutboxRelay, outbox_entries, with_outbox
from hoppid.shared.settings import ServiceSettings
from hoppid.shared.testing import eventually, kafka_servers, mongodb_url

from .helpers import header_map, read_all, test_catalogue

Db = AsyncDatabase[dict[str, Any]]


class Crash(Exception):
    """Stands for the process dying between the publish and the removal."""


async def started_broker() -> Any:
    broker = make_broker(
        ServiceSettings(kafka_bootstrap_servers=kafka_servers()), client_id="test-outbox"
    )
    await broker.start()
    return broker


def relay_for(database: Db, broker: Any, metrics: ServiceMetrics, crash: bool = False) -> Any:
    async def publish(topic: str, envelope: Envelope) -> None:
        await publish_envelope(broker, topic, envelope)
        if crash:
            raise Crash

    return OutboxRelay(database, ["cases"], publish, metrics)


async def test_state_and_events_are_written_together_and_relayed(
    database: Db, topic_prefix: str
) -> None:
    topic = Topics(topic_prefix).domain("intake")
    await ensure_topics(kafka_servers(), [topic], partitions=3)
    first = Envelope(
        type="no.hoppid.test.thing.happened.v1", source="/t", subject="c9", data={"counter": "a"}
    )
    second = Envelope(
        type="no.hoppid.test.thing.happened.v1", source="/t", subject="c9", data={"counter": "b"}
    )
    await database["cases"].insert_one(
        {"_id": "c9", "status": "new", "outbox": outbox_entries(topic, [first])}
    )
    await database["cases"].update_one(
        {"_id": "c9"}, with_outbox({"$set": {"status": "contacted"}}, topic, [second])
    )
    metrics = ServiceMetrics("testing")
    broker = await started_broker()
    try:
        relay = relay_for(database, broker, metrics)
        assert await relay.publish_pending() == 2
        assert await relay.publish_pending() == 0
    finally:
        await broker.stop()
    document = await database["cases"].find_one({"_id": "c9"})
    assert document is not None
    assert document["status"] == "contacted"
    assert document["outbox"] == []
    records = await read_all(topic, expected=2)
    assert [header_map(r)["ce_id"] for r in records] == [first.id, second.id]  # in order
    assert (
        metrics.registry.get_sample_value("hoppid_outbox_backlog_events", {"service": "testing"})
        == 0
    )


async def test_killed_after_state_write_then_restart_publishes_and_effect_happens_once(
    database: Db, topic_prefix: str
) -> None:
    topic = Topics(topic_prefix).domain("intake")
    await ensure_topics(kafka_servers(), [topic, Topics.dlq(topic)], partitions=3)
    event_id = str(uuid.uuid4())
    script = Path(__file__).with_name("crash_after_state_write.py")
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(script), mongodb_url(), database.name, topic, event_id
    )
    assert await process.wait() == -9  # killed, as planned, before any publish
    pending = await database["cases"].find_one({"_id": "case-1"})
    assert pending is not None
    assert pending["status"] == "contacted"
    assert [entry["event"]["id"] for entry in pending["outbox"]] == [event_id]

    # the "restarted" service: its relay dies once between publish and removal, then runs again
    metrics = ServiceMetrics("testing")
    broker = await started_broker()
    try:
        assert (
            metrics.registry.get_sample_value(
                "hoppid_outbox_backlog_events", {"service": "testing"}
            )
            is None
        )
        crashing = relay_for(database, broker, metrics, crash=True)
        with contextlib.suppress(Crash):
            await crashing.publish_pending()
        assert (
            metrics.registry.get_sample_value(
                "hoppid_outbox_backlog_events", {"service": "testing"}
            )
            == 1
        )
        assert await relay_for(database, broker, metrics).publish_pending() == 1
    finally:
        await broker.stop()
    records = await read_all(topic, expected=2)
    assert [header_map(r)["ce_id"] for r in records] == [event_id, event_id]  # published twice

    # an idempotent consumer of that topic applies the event once
    counters = database["counters"]
    consumer_broker = make_broker(
        ServiceSettings(kafka_bootstrap_servers=kafka_servers()), client_id="test-inbox"
    )
    consumer = EventConsumer(
        broker=consumer_broker,
        group_id=f"{topic_prefix}counter",
        topics=(topic,),
        catalogue=test_catalogue(),
        metrics=ServiceMetrics("counter"),
    )
    deliveries: list[str] = []

    @consumer.on("no.hoppid.test.thing.happened.v1")
    async def count(event: Event, envelope: Envelope) -> None:
        deliveries.append(envelope.id)
        await apply_once(
            counters, {"_id": envelope.subject}, {"$inc": {"count": 1}}, envelope.id, upsert=True
        )

    consumer.attach()
    await consumer_broker.start()
    try:
        await eventually(_len_is(deliveries, 2), what="both deliveries")
    finally:
        await consumer_broker.stop()
    counter = await counters.find_one({"_id": "case-1"})
    assert counter is not None
    assert counter["count"] == 1
    assert (await database["cases"].find_one({"_id": "case-1"}) or {})["outbox"] == []


def _len_is(items: list[str], size: int) -> Any:
    async def probe() -> bool:
        return len(items) == size

    return probe


async def test_concurrent_state_changes_and_relay_removals_lose_nothing(
    database: Db, topic_prefix: str
) -> None:
    """Many updates of one aggregate while the relay removes published entries from it.

    Nothing serialises them in the process: each update of one document is atomic on the store
    (MongoDB; the local store since decision 0007), as two instances of a service need."""
    topic = Topics(topic_prefix).domain("intake")
    await ensure_topics(kafka_servers(), [topic], partitions=1)
    await database["cases"].insert_one({"_id": "busy", "changes": 0, "outbox": []})
    metrics = ServiceMetrics("testing")
    broker = await started_broker()
    relay = relay_for(database, broker, metrics)
    relay_task = asyncio.create_task(relay.run())
    changes = 120

    async def change(n: int) -> None:
        envelope = Envelope(
            type="no.hoppid.test.thing.happened.v1",
            source="/t",
            subject="busy",
            data={"counter": str(n)},
        )
        await database["cases"].update_one(
            {"_id": "busy"}, with_outbox({"$inc": {"changes": 1}}, topic, [envelope])
        )
        relay.notify()

    try:
        await asyncio.gather(*(change(n) for n in range(changes)))

        async def drained() -> bool:
            document = await database["cases"].find_one({"_id": "busy"})
            return document is not None and document["outbox"] == []

        await eventually(drained, what="the outbox drained")
    finally:
        relay_task.cancel()
        await broker.stop()
    document = await database["cases"].find_one({"_id": "busy"})
    assert document is not None
    assert document["changes"] == changes
    records = await read_all(topic, expected=changes)
    assert sorted(int(json.loads(r.value)["counter"]) for r in records) == list(range(changes))
