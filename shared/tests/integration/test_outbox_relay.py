"""The outbox relay against the real store and the real broker: it finds pending documents by
their marker (never by scanning), sends a document's entries together and in order, parks what
Kafka will never take, and after a crash between publish and removal publishes again."""

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from hoppid.shared.envelope import Envelope
from hoppid.shared.kafka import Topics, ensure_topics, make_broker, send_envelope
from hoppid.shared.metrics import ServiceMetrics
from hoppid.shared.mongo import apply_indexes
from hoppid.shared.outbox import (
    PARKED,
    PENDING,
    RELAY_STATE,
    OutboxRelay,
    outbox_entries,
    outbox_fields,
    outbox_indexes,
    with_outbox,
)
from hoppid.shared.settings import ServiceSettings
from hoppid.shared.testing import eventually, kafka_servers, mongodb_url

from .helpers import header_map, read_all

Db = AsyncDatabase[dict[str, Any]]
THING = "no.hoppid.test.thing.happened.v1"


def event(subject: str, counter: str, size: int = 0) -> Envelope:
    data = {"counter": counter, **({"padding": "x" * size} if size else {})}
    return Envelope(type=THING, source="/t", subject=subject, data=data)


async def started_broker() -> Any:
    broker = make_broker(
        ServiceSettings(kafka_bootstrap_servers=kafka_servers()), client_id="test-relay"
    )
    await broker.start()
    return broker


def relay_for(database: Db, broker: Any, metrics: ServiceMetrics, **options: Any) -> OutboxRelay:
    """A relay wired as the services wire it: sends in order, acks awaited together."""

    async def send(topic: str, envelope: Envelope) -> Any:
        return await send_envelope(broker, topic, envelope)

    return OutboxRelay(database, ["cases", "people"], send, metrics, **options)


def ids(records: list[Any]) -> list[str]:
    return [header_map(record)["ce_id"] for record in records]


async def test_pending_documents_are_found_by_their_marker_which_is_cleared(
    database: Db, topic_prefix: str
) -> None:
    topic = Topics(topic_prefix).domain("intake")
    await ensure_topics(kafka_servers(), [topic], partitions=2)
    await apply_indexes(database, outbox_indexes(["cases", "people"]))
    first, second, third = event("c1", "a"), event("c1", "b"), event("p1", "c")
    cases, people = database["cases"], database["people"]
    await cases.insert_one({"_id": "c1", "status": "new", **outbox_fields(topic, [first])})
    await cases.update_one(
        {"_id": "c1"}, with_outbox({"$set": {"status": "contacted"}}, topic, [second])
    )
    await cases.insert_one({"_id": "quiet", "status": "new", **outbox_fields(topic, [])})
    await people.insert_one({"_id": "p1", **outbox_fields(topic, [third])})
    # written before the marker existed: an outbox, no marker
    legacy = event("c2", "legacy")
    await cases.insert_one({"_id": "c2", "outbox": outbox_entries(topic, [legacy])})

    assert (await cases.find_one({"_id": "c1"}) or {})[PENDING] is True
    assert PENDING not in (await cases.find_one({"_id": "quiet"}) or {})
    indexed = await cases.index_information()
    assert any(spec["key"] == [(PENDING, 1)] for spec in indexed.values())
    plan = await cases.find({PENDING: True}).explain()
    if "ferretdbVersion" not in plan.get("serverInfo", {}):  # MongoDB says which index it used
        assert "IXSCAN" in str(plan["queryPlanner"]["winningPlan"])

    metrics = ServiceMetrics("testing")
    broker = await started_broker()
    try:
        relay = relay_for(database, broker, metrics)
        assert await relay.publish_pending() == 3  # the marked ones; the legacy one waits
        assert await relay.publish_pending() == 0
        assert await relay.backfill() == 1  # the one-time pass marks it
        assert await relay.publish_pending() == 1
        assert await relay.backfill() == 0  # done once per collection, noted in the store
        assert await database[RELAY_STATE].count_documents({}) == 2
    finally:
        await broker.stop()

    for collection, key in [(cases, "c1"), (cases, "c2"), (people, "p1")]:
        document = await collection.find_one({"_id": key})
        assert document is not None
        assert document["outbox"] == []
        assert PENDING not in document
    assert (await cases.find_one({"_id": "c1"}) or {})["status"] == "contacted"
    assert await cases.count_documents({PENDING: True}) == 0
    records = await read_all(topic, expected=4)
    assert sorted(ids(records)) == sorted([first.id, second.id, third.id, legacy.id])
    published = {"service": "testing"}
    assert metrics.registry.get_sample_value("hoppid_outbox_published_events_total", published) == 4


async def test_a_documents_entries_all_go_out_in_order(database: Db, topic_prefix: str) -> None:
    topic = Topics(topic_prefix).domain("scheduling")
    await ensure_topics(kafka_servers(), [topic], partitions=3)
    many = [event("b1", str(n)) for n in range(25)]
    others = [event(f"b{n}", "other") for n in range(2, 12)]
    await database["cases"].insert_one({"_id": "b1", **outbox_fields(topic, many[:10])})
    await database["cases"].update_one(
        {"_id": "b1"}, with_outbox({"$inc": {"changes": 1}}, topic, many[10:])
    )
    for envelope in others:
        await database["cases"].insert_one(
            {"_id": envelope.subject, **outbox_fields(topic, [envelope])}
        )
    metrics = ServiceMetrics("testing")
    broker = await started_broker()
    try:
        assert await relay_for(database, broker, metrics).publish_pending() == 35
    finally:
        await broker.stop()
    records = await read_all(topic, expected=35)
    assert len(records) == 35  # nothing twice
    b1 = [record for record in records if record.key == b"b1"]
    assert ids(b1) == [envelope.id for envelope in many]  # one key, one partition, in order
    assert await database["cases"].count_documents({PENDING: True}) == 0
    assert await database["cases"].count_documents({"outbox.0": {"$exists": True}}) == 0


async def test_an_unpublishable_entry_is_parked_and_later_events_still_go_out(
    database: Db, topic_prefix: str
) -> None:
    topic = Topics(topic_prefix).domain("intake")
    await ensure_topics(kafka_servers(), [topic], partitions=2)
    before, after = event("c1", "before"), event("c1", "after")
    huge = event("c1", "huge", size=1_200_000)  # over the broker's and producer's 1 MB limit
    await database["cases"].insert_one({"_id": "c1", **outbox_fields(topic, [before, huge, after])})
    bad_topic = event("c2", "bad topic")
    await database["cases"].insert_one(
        {"_id": "c2", **outbox_fields("no spaces allowed!", [bad_topic])}
    )
    fine = event("c3", "fine")
    await database["cases"].insert_one({"_id": "c3", **outbox_fields(topic, [fine])})

    metrics = ServiceMetrics("testing")
    broker = await started_broker()
    try:
        relay = relay_for(database, broker, metrics, max_attempts=2)
        # the first pass sends everything else at once; the two hopeless entries stay for now
        assert await relay.publish_pending() == 3
        c1 = await database["cases"].find_one({"_id": "c1"})
        assert c1 is not None
        assert [entry["event"]["id"] for entry in c1["outbox"]] == [huge.id]
        assert c1[PENDING] is True
        assert (
            metrics.registry.get_sample_value(
                "hoppid_outbox_backlog_events", {"service": "testing"}
            )
            == 2
        )
        # the second failed pass parks them
        assert await relay.publish_pending() == 0
        # the document takes new events after the parking, and they go out
        later = event("c1", "later")
        await database["cases"].update_one({"_id": "c1"}, with_outbox({}, topic, [later]))
        assert await relay.publish_pending() == 1
        assert await relay.publish_pending() == 0
    finally:
        await broker.stop()

    c1 = await database["cases"].find_one({"_id": "c1"})
    assert c1 is not None
    assert c1["outbox"] == []
    assert PENDING not in c1
    [parked] = c1[PARKED]
    assert parked["event"]["id"] == huge.id
    assert parked["topic"] == topic
    assert parked["attempts"] == 2
    assert parked["error"].startswith("MessageSizeTooLargeError")
    c2 = await database["cases"].find_one({"_id": "c2"})
    assert c2 is not None
    assert c2["outbox"] == []
    assert PENDING not in c2
    assert [entry["event"]["id"] for entry in c2[PARKED]] == [bad_topic.id]
    assert "not a valid Kafka topic name" in c2[PARKED][0]["error"]

    def parked_count(on: str) -> float | None:
        return metrics.registry.get_sample_value(
            "hoppid_outbox_parked_total", {"service": "testing", "topic": on}
        )

    assert parked_count(topic) == 1
    assert parked_count("no spaces allowed!") == 1
    records = await read_all(topic, expected=4)
    assert sorted(ids(records)) == sorted([before.id, after.id, fine.id, later.id])
    assert (
        metrics.registry.get_sample_value("hoppid_outbox_backlog_events", {"service": "testing"})
        == 0
    )


async def test_a_crash_between_publish_and_removal_publishes_again_and_loses_nothing(
    database: Db, topic_prefix: str
) -> None:
    topic = Topics(topic_prefix).domain("intake")
    await ensure_topics(kafka_servers(), [topic], partitions=2)
    events = [event("case-1", str(n)) for n in range(3)]
    await database["cases"].insert_one({"_id": "case-1", **outbox_fields(topic, events)})
    script = Path(__file__).with_name("crash_after_publish.py")
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(script), mongodb_url(), database.name, kafka_servers(), "3"
    )
    assert await process.wait() == -9  # killed, as planned, after the acks, before the removal
    pending = await database["cases"].find_one({"_id": "case-1"})
    assert pending is not None
    assert [entry["event"]["id"] for entry in pending["outbox"]] == [e.id for e in events]
    assert pending[PENDING] is True
    assert ids(await read_all(topic, expected=3)) == [e.id for e in events]

    metrics = ServiceMetrics("testing")
    broker = await started_broker()
    try:
        assert await relay_for(database, broker, metrics).publish_pending() == 3
    finally:
        await broker.stop()
    # the same events again, same ids, in order: consumers drop the second copies
    assert ids(await read_all(topic, expected=6)) == [e.id for e in events] * 2
    done = await database["cases"].find_one({"_id": "case-1"})
    assert done is not None
    assert done["outbox"] == []
    assert PENDING not in done


async def test_the_marker_stays_while_writes_race_the_relay(
    database: Db, topic_prefix: str
) -> None:
    """Pushes land on documents while the relay removes entries and clears markers: every event
    goes out, and no document is left with entries but no marker (which the relay never finds).
    """
    topic = Topics(topic_prefix).domain("intake")
    await ensure_topics(kafka_servers(), [topic], partitions=2)
    keys = ["r1", "r2", "r3"]
    for key in keys:
        await database["cases"].insert_one({"_id": key, "changes": 0, **outbox_fields(topic, [])})
    metrics = ServiceMetrics("testing")
    broker = await started_broker()
    relay = relay_for(database, broker, metrics, interval_seconds=0.05)
    relay_task = asyncio.create_task(relay.run())
    changes = 90

    async def change(n: int) -> None:
        key = keys[n % len(keys)]
        await database["cases"].update_one(
            {"_id": key}, with_outbox({"$inc": {"changes": 1}}, topic, [event(key, str(n))])
        )
        if n % 10 == 0:
            relay.notify()
        await asyncio.sleep(0)

    try:
        for start in range(0, changes, 15):
            await asyncio.gather(*(change(n) for n in range(start, start + 15)))
            await asyncio.sleep(0.02)

        async def drained() -> bool:
            left = await database["cases"].count_documents({"outbox.0": {"$exists": True}})
            return left == 0

        await eventually(drained, what="every outbox drained through the marker")
    finally:
        relay_task.cancel()
        await broker.stop()
    assert await database["cases"].count_documents({PENDING: True}) == 0
    total = sum([(await database["cases"].find_one({"_id": k}) or {})["changes"] for k in keys])
    assert total == changes
    records = await read_all(topic, expected=changes)
    counters = {int(json.loads(record.value)["counter"]) for record in records}
    assert counters == set(range(changes))  # nothing lost


async def test_documents_cleared_together_and_one_written_meanwhile_keeps_its_new_entry(
    database: Db, topic_prefix: str
) -> None:
    """Fully published outboxes are emptied by one command per collection; one that got a new
    entry while its old ones went out loses exactly those, keeps the new one and its marker,
    and nothing goes out twice."""
    topic = Topics(topic_prefix).domain("intake")
    await ensure_topics(kafka_servers(), [topic], partitions=2)
    await apply_indexes(database, outbox_indexes(["cases", "people"]))
    cases = database["cases"]
    first = {key: event(key, key) for key in ("k1", "k2", "k3")}
    for key, envelope in first.items():
        await cases.insert_one({"_id": key, **outbox_fields(topic, [envelope])})
    late = event("k2", "late")
    broker = await started_broker()

    async def send(topic_name: str, envelope: Envelope) -> Any:
        if envelope.subject == "k3":  # k2 changes after the relay read it
            await cases.update_one({"_id": "k2"}, with_outbox({}, topic, [late]))
        return await send_envelope(broker, topic_name, envelope)

    relay = OutboxRelay(database, ["cases", "people"], send, ServiceMetrics("testing"))
    try:
        assert await relay.publish_pending() == 3
        k2 = await cases.find_one({"_id": "k2"})
        assert k2 is not None
        assert [entry["event"]["id"] for entry in k2["outbox"]] == [late.id]
        assert k2[PENDING] is True
        assert await relay.publish_pending() == 1
    finally:
        await broker.stop()
    assert await cases.count_documents({PENDING: True}) == 0
    assert await cases.count_documents({"outbox.0": {"$exists": True}}) == 0
    records = await read_all(topic, expected=4)
    assert sorted(ids(records)) == sorted([*(e.id for e in first.values()), late.id])


async def test_the_relays_look_up_uses_the_declared_index(database: Db) -> None:
    """Among thousands of published documents, the pending few are found through the index,
    on MongoDB (its own plan) and on the local FerretDB on PostgreSQL (PostgreSQL's plan of the
    SQL FerretDB sends). FerretDB on SQLite uses no index at all: nothing to check there."""
    await apply_indexes(database, outbox_indexes(["cases"]))
    await database["cases"].insert_many(
        {"_id": f"done-{n}", "status": "closed", "outbox": []} for n in range(5000)
    )
    for n in range(5):
        envelope = event(f"pending-{n}", str(n))
        await database["cases"].insert_one(
            {"_id": envelope.subject, **outbox_fields("hoppid.intake", [envelope])}
        )
    answer = await database.command(
        "explain", {"find": "cases", "filter": {PENDING: True}}, verbosity="queryPlanner"
    )
    planner = answer["queryPlanner"]
    if "ferretdbVersion" not in answer.get("serverInfo", {}):
        assert "IXSCAN" in str(planner["winningPlan"]), planner
    elif isinstance(planner.get("Plan"), dict):  # PostgreSQL's plan

        def scans(node: dict[str, Any]) -> list[tuple[str, str]]:
            own = [(node["Node Type"], node.get("Index Cond") or node.get("Filter") or "")]
            return [*own, *(s for child in node.get("Plans", []) for s in scans(child))]

        found = [(kind, cond) for kind, cond in scans(planner["Plan"]) if kind.endswith("Scan")]
        assert any("Index" in kind and f"'{PENDING}'" in cond for kind, cond in found), found
        assert not any(kind == "Seq Scan" for kind, _ in found), found
    assert await database["cases"].count_documents({PENDING: True}) == 5
