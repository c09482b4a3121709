"""The consumer wrapper against the real broker: batches committed once, only for work that is done;
transient errors retried and their records (with the rest of their partition) delivered again;
poison dead-lettered per record; types without a handler skipped. No Kafka mocks."""

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from pydantic import BaseModel, EmailStr

from hoppid.shared.consumer import EventConsumer, TransientError
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.kafka import Topics, ensure_topics, make_broker
from hoppid.shared.metrics import ServiceMetrics
from hoppid.shared.settings import ServiceSettings
from hoppid.shared.testing import eventually, kafka_client, kafka_servers

from .helpers import ThingBroke, ThingHappened, header_map, read_all, test_catalogue

Record = tuple[list[tuple[str, bytes]], bytes]


async def produce(
    topic: str, records: list[Record], *, partition: int = 0, keys: list[bytes] | None = None
) -> None:
    """Write raw records in order to one partition: poison must be craftable byte by byte. All
    have one key (subject) unless ``keys`` gives each its own."""
    producer = AIOKafkaProducer(**kafka_client(), acks="all")
    await producer.start()
    keys = keys or [b"same-subject"] * len(records)
    try:
        sent = [
            await producer.send(topic, value, key=key, partition=partition, headers=headers)
            for (headers, value), key in zip(records, keys, strict=True)
        ]
        await asyncio.gather(*sent)  # one partition, one producer: written in this order
    finally:
        await producer.stop()


def raw(event: Event, **attributes: str) -> tuple[list[tuple[str, bytes]], bytes]:
    envelope = event.to_envelope(source="/test", subject="same-subject")
    headers = {**envelope.headers(), **attributes}
    return [(k, v.encode()) for k, v in headers.items()], envelope.value()


class Harness:
    """A consumer of one topic (one partition unless told), and what its handlers did.

    A second harness with the same prefix is a restarted consumer: the same group, topic, DLQ."""

    def __init__(
        self, prefix: str, *, max_retries: int = 3, partitions: int = 1, concurrency: int = 1
    ) -> None:
        self.partitions = partitions
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
            concurrency=concurrency,
        )
        self.handled: list[str] = []

    async def create_topics(self) -> None:
        await ensure_topics(
            kafka_servers(), [self.topic, Topics.dlq(self.topic)], partitions=self.partitions
        )

    async def __aenter__(self) -> "Harness":
        await self.create_topics()
        self.consumer.attach()
        await self.broker.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.broker.stop()

    async def committed_offset(self, partition: int = 0) -> int | None:
        return (await self.committed_offsets()).get(partition)

    async def committed_offsets(self) -> dict[int, int]:
        """The group's committed offset per partition (absent where nothing was committed)."""
        admin = AIOKafkaAdminClient(**kafka_client())
        await admin.start()
        try:
            offsets = await admin.list_consumer_group_offsets(self.consumer.group_id)
        finally:
            await admin.close()
        return {
            tp.partition: meta.offset
            for tp, meta in offsets.items()
            if tp.topic == self.topic and meta.offset >= 0
        }

    def metric(self, name: str, **labels: str) -> float | None:
        value: float | None = self.metrics.registry.get_sample_value(
            name, {"service": "testing", "topic": self.topic, **labels}
        )
        return value


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
            raw(ThingHappened(counter="x"), ce_specversion=""),  # 3: not a CloudEvent
            raw(ThingHappened(counter="after-the-poison")),  # 4
        ],
    )
    async with harness:
        await eventually(lambda: _value(harness.handled), what="the event after the poison")
        dead = await read_all(Topics.dlq(harness.topic), expected=3)
        assert await eventually(_committed_at(harness, 5), what="offset 5 committed") == 5

    assert harness.handled == ["after-the-poison"]
    errors = [header_map(r)["hoppid_dlq_error"] for r in dead]
    assert "not valid JSON" in errors[0]
    assert errors[1] == "ValueError: this handler always fails"
    assert "missing CloudEvents headers: ce_specversion" in errors[2]
    for offset, record in zip((0, 2, 3), dead, strict=True):
        origin = header_map(record)
        assert origin["hoppid_dlq_topic"] == harness.topic
        assert origin["hoppid_dlq_partition"] == "0"
        assert origin["hoppid_dlq_offset"] == str(offset)
        assert origin["hoppid_dlq_group"] == harness.consumer.group_id
        assert record.key == b"same-subject"
    assert dead[0].value == b"{not json"  # the original bytes, for examination and replay
    assert harness.metric("hoppid_dlq_events_total") == 3
    # a type this consumer has no handler for is skipped, not dead-lettered (GUIDE.md §5)
    assert harness.metric("hoppid_events_skipped_total", type="unknown") == 1


class _Contact(BaseModel):
    email: EmailStr
    name: str


class _Lines(logging.Handler):
    """Every log line of the process while the test runs, as its handlers would write it."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


async def test_a_poison_event_s_personal_values_reach_neither_dlq_headers_nor_logs(
    topic_prefix: str,
) -> None:
    """A handler's pydantic error about an (unsealed) personal value quotes it (input_value=...,
    and an email's own message names its domain): the dead letter's headers and the log lines
    name the fields and the kind of error, never the value. The data itself is in the dead
    letter's value, as it was on the topic (sealed there)."""
    harness = Harness(topic_prefix)
    personal = "Kari Nordmann <kari.nordmann@nordveggen..no>"

    @harness.consumer.on(ThingBroke.event_type)
    async def validates(event: Event, envelope: Envelope) -> None:
        assert isinstance(event, ThingBroke)
        _Contact.model_validate({"email": event.reason, "name": None})

    @harness.consumer.on(ThingHappened.event_type)
    async def count(event: Event, envelope: Envelope) -> None:
        assert isinstance(event, ThingHappened)
        harness.handled.append(event.counter)

    lines = _Lines()
    logging.getLogger().addHandler(lines)
    await harness.create_topics()
    await produce(
        harness.topic,
        [raw(ThingBroke(reason=personal)), raw(ThingHappened(counter="after"))],
    )
    try:
        async with harness:
            await eventually(lambda: _value(harness.handled), what="the event after the poison")
            dead = await read_all(Topics.dlq(harness.topic), expected=1)
    finally:
        logging.getLogger().removeHandler(lines)

    error = header_map(dead[0])["hoppid_dlq_error"]
    assert error.startswith("ValidationError: _Contact: email: value_error; name: ")
    poison_lines = [line for line in lines.lines if "poison event sent to" in line]
    assert len(poison_lines) == 1
    assert error in poison_lines[0]
    for text in (*header_map(dead[0]).values(), *lines.lines):
        for part in ("Kari", "nordmann", "nordveggen", "input_value"):
            assert part not in text


async def test_types_without_a_handler_are_skipped_counted_and_never_parsed(
    topic_prefix: str,
) -> None:
    harness = Harness(topic_prefix)

    @harness.consumer.on(ThingHappened.event_type)
    async def count(event: Event, envelope: Envelope) -> None:
        assert isinstance(event, ThingHappened)
        harness.handled.append(event.counter)

    broke_headers, _ = raw(ThingBroke(reason="not ours"))
    await harness.create_topics()
    await produce(
        harness.topic,
        [
            (broke_headers, b"{not json"),  # 0: a known type nobody here handles, unreadable
            raw(ThingHappened(counter="x"), ce_type="no.hoppid.test.deployed.later.v1"),  # 1
            raw(ThingHappened(counter="ours")),  # 2
        ],
    )
    async with harness:
        await eventually(lambda: _value(harness.handled), what="the event we handle")
        assert await eventually(_committed_at(harness, 3), what="offset 3 committed") == 3

    assert harness.handled == ["ours"]
    assert await read_all(Topics.dlq(harness.topic), expected=0) == []
    assert harness.metric("hoppid_dlq_events_total") is None
    assert harness.metric("hoppid_events_skipped_total", type=ThingBroke.event_type) == 1
    assert harness.metric("hoppid_events_skipped_total", type="unknown") == 1


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
    assert harness.metric("hoppid_dlq_events_total") is None


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


def happened(counter: str) -> Record:
    return raw(ThingHappened(counter=counter))


def counting_commits(monkeypatch: pytest.MonkeyPatch) -> list[dict[Any, Any]]:
    """Every commit request the consumers make, as they make it (still sent to the broker)."""
    commits: list[dict[Any, Any]] = []
    real_commit = AIOKafkaConsumer.commit

    async def commit(self: AIOKafkaConsumer, offsets: Any = None) -> None:
        commits.append(dict(offsets or {}))
        await real_commit(self, offsets)

    monkeypatch.setattr(AIOKafkaConsumer, "commit", commit)
    return commits


async def test_a_batch_is_handled_in_order_and_committed_once_not_per_event(
    topic_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    commits = counting_commits(monkeypatch)
    harness = Harness(topic_prefix, partitions=3)

    @harness.consumer.on(ThingHappened.event_type)
    async def count(event: Event, envelope: Envelope) -> None:
        assert isinstance(event, ThingHappened)
        harness.handled.append(event.counter)

    await harness.create_topics()
    per_partition = 200
    for partition in range(3):
        await produce(
            harness.topic,
            [happened(f"{partition}:{n}") for n in range(per_partition)],
            partition=partition,
        )
    async with harness:
        await eventually(
            lambda: _value(len(harness.handled) >= 3 * per_partition), what="every event"
        )
        await eventually(
            lambda: _eq(harness.committed_offsets(), {p: per_partition for p in range(3)}),
            what="every partition committed to its end",
        )

    assert sorted(harness.handled) == sorted(
        f"{p}:{n}" for p in range(3) for n in range(per_partition)
    ), "each event handled once"
    for partition in range(3):  # each partition in order
        mine = [c for c in harness.handled if c.startswith(f"{partition}:")]
        assert mine == [f"{partition}:{n}" for n in range(per_partition)]
    # one commit per poll, not per event (how many polls the broker's fetches make varies)
    assert 1 <= len(commits) <= len(harness.handled) // 20, commits

    # a new consumer in the same group reads nothing again, only what comes after: one more
    # event a partition, which (partitions keep their order) comes after any redelivery
    for partition in range(3):
        await produce(harness.topic, [happened(f"later-{partition}")], partition=partition)
    again = Harness(topic_prefix, partitions=3)

    @again.consumer.on(ThingHappened.event_type)
    async def count_again(event: Event, envelope: Envelope) -> None:
        assert isinstance(event, ThingHappened)
        again.handled.append(event.counter)

    async with again:
        await eventually(lambda: _value(len(again.handled) >= 3), what="the events after")
    assert sorted(again.handled) == ["later-0", "later-1", "later-2"]


async def test_poison_in_the_middle_of_a_batch_is_dead_lettered_and_the_rest_handled(
    topic_prefix: str,
) -> None:
    harness = Harness(topic_prefix)

    @harness.consumer.on(ThingHappened.event_type)
    async def count(event: Event, envelope: Envelope) -> None:
        assert isinstance(event, ThingHappened)
        harness.handled.append(event.counter)

    @harness.consumer.on(ThingBroke.event_type)
    async def always_fails(event: Event, envelope: Envelope) -> None:
        raise ValueError("broken rule")

    good_headers, _ = raw(ThingHappened(counter="x"))
    before = [happened(f"before-{n}") for n in range(50)]
    after = [happened(f"after-{n}") for n in range(50)]
    await harness.create_topics()
    await produce(
        harness.topic,
        [*before, (good_headers, b"{not json"), raw(ThingBroke(reason="bug")), *after],
    )
    async with harness:
        await eventually(lambda: _value(len(harness.handled) >= 100), what="all good events")
        dead = await read_all(Topics.dlq(harness.topic), expected=2)
        assert await eventually(_committed_at(harness, 102), what="the batch committed") == 102

    assert harness.handled == [f"before-{n}" for n in range(50)] + [f"after-{n}" for n in range(50)]
    assert [header_map(r)["hoppid_dlq_offset"] for r in dead] == ["50", "51"]
    assert dead[0].value == b"{not json"


async def test_a_transient_failure_that_never_clears_holds_that_record_and_its_successors(
    topic_prefix: str,
) -> None:
    """Partition 0: offsets 0-4 are handled once and committed; 5 fails transiently every time,
    so 5-9 are never committed and come again (to this consumer after each failed delivery, and
    to a restarted one) while 0-4 never do. Partition 1 is not held up."""
    broken = {"stuck-5"}
    deliveries: dict[str, int] = {}

    def make(prefix: str) -> Harness:
        harness = Harness(prefix, max_retries=1, partitions=2)

        @harness.consumer.on(ThingHappened.event_type)
        async def count(event: Event, envelope: Envelope) -> None:
            assert isinstance(event, ThingHappened)
            deliveries[event.counter] = deliveries.get(event.counter, 0) + 1
            if event.counter in broken:
                raise TransientError("store unreachable")
            harness.handled.append(event.counter)

        return harness

    first = make(topic_prefix)
    await first.create_topics()
    await produce(first.topic, [happened(f"stuck-{n}") for n in range(10)], partition=0)
    await produce(first.topic, [happened(f"free-{n}") for n in range(10)], partition=1)
    async with first:
        # two tries a delivery (max_retries=1): three deliveries at least
        await eventually(lambda: _value(deliveries.get("stuck-5", 0) >= 6), what="redeliveries")
        assert await eventually(_committed_at(first, 5), what="0-4 committed") == 5
        assert await eventually(_committed_at(first, 10, partition=1), what="1 committed") == 10
    assert [c for c in first.handled if c.startswith("stuck")] == [f"stuck-{n}" for n in range(5)]
    assert [c for c in first.handled if c.startswith("free")] == [f"free-{n}" for n in range(10)]
    assert all(deliveries[f"stuck-{n}"] == 1 for n in range(5)), "nothing before it came again"
    assert not any(f"stuck-{n}" in deliveries for n in range(6, 10)), "nothing after it ran"
    assert first.metric("hoppid_dlq_events_total") is None  # transient: never dead-lettered
    assert await first.committed_offset(0) == 5  # still, after the stop

    broken.clear()  # the store is back; the consumer restarts
    restarted = make(topic_prefix)
    async with restarted:
        await eventually(lambda: _value(len(restarted.handled) >= 5), what="5-9 again")
        assert await eventually(_committed_at(restarted, 10), what="all committed") == 10
    assert restarted.handled == [f"stuck-{n}" for n in range(5, 10)]


async def test_a_crash_mid_batch_redelivers_the_uncommitted_batch_and_loses_nothing(
    topic_prefix: str,
) -> None:
    """Stopped in the middle of a batch (as by a crash): nothing of that batch was committed, so
    a restarted consumer gets all of it again, the part that was done included."""
    hang = asyncio.Event()
    first = Harness(topic_prefix)

    @first.consumer.on(ThingHappened.event_type)
    async def hangs_at_six(event: Event, envelope: Envelope) -> None:
        assert isinstance(event, ThingHappened)
        if event.counter == "6":
            hang.set()
            await asyncio.Event().wait()  # never returns: the process dies here
        first.handled.append(event.counter)

    await first.create_topics()
    await produce(first.topic, [happened(str(n)) for n in range(10)])
    async with first:
        await eventually(lambda: _value(hang.is_set()), what="the handler stuck at 6")
    assert first.handled == [str(n) for n in range(6)]
    assert await first.committed_offset() is None

    restarted = Harness(topic_prefix)

    @restarted.consumer.on(ThingHappened.event_type)
    async def count(event: Event, envelope: Envelope) -> None:
        assert isinstance(event, ThingHappened)
        restarted.handled.append(event.counter)

    async with restarted:
        await eventually(lambda: _value(len(restarted.handled) >= 10), what="the batch again")
        assert await eventually(_committed_at(restarted, 10), what="all committed") == 10
    assert restarted.handled == [str(n) for n in range(10)]


async def test_with_concurrency_keys_are_handled_at_once_each_in_its_order(
    topic_prefix: str,
) -> None:
    """concurrency 4: records of different keys overlap (at most 4 at a time), each key's in
    its order, each once; poison of one key is dead-lettered once and its key goes on."""
    harness = Harness(topic_prefix, partitions=2, concurrency=4)
    in_flight = {"now": 0, "most": 0}

    @harness.consumer.on(ThingHappened.event_type)
    async def slow(event: Event, envelope: Envelope) -> None:
        assert isinstance(event, ThingHappened)
        in_flight["now"] += 1
        in_flight["most"] = max(in_flight["most"], in_flight["now"])
        await asyncio.sleep(0.005)  # a store round-trip
        in_flight["now"] -= 1
        harness.handled.append(event.counter)

    good_headers, _ = raw(ThingHappened(counter="x"))
    await harness.create_topics()
    for partition in range(2):
        records = [happened(f"{partition}:k{n % 6}:{n // 6}") for n in range(60)]
        keys = [f"k{n % 6}".encode() for n in range(60)]
        records.insert(31, (good_headers, b"{not json"))  # key k1's 7th: poison
        keys.insert(31, b"k1")
        await produce(harness.topic, records, partition=partition, keys=keys)
    async with harness:
        await eventually(lambda: _value(len(harness.handled) >= 120), what="every event")
        await eventually(
            lambda: _eq(harness.committed_offsets(), {0: 61, 1: 61}),
            what="both partitions committed to their end",
        )
        dead = await read_all(Topics.dlq(harness.topic), expected=2)

    assert 1 < in_flight["most"] <= 4, in_flight
    assert sorted(harness.handled) == sorted(
        f"{p}:k{n % 6}:{n // 6}" for p in range(2) for n in range(60)
    ), "each event handled once"
    for partition in range(2):
        for key in range(6):  # each key in its order
            mine = [c for c in harness.handled if c.startswith(f"{partition}:k{key}:")]
            assert mine == [f"{partition}:k{key}:{n}" for n in range(10)]
    assert sorted(header_map(r)["hoppid_dlq_offset"] for r in dead) == ["31", "31"]


async def test_with_concurrency_a_record_that_must_come_again_holds_its_partition_from_it(
    topic_prefix: str,
) -> None:
    """Keys a and b alternate on one partition (a0 b0 a1 b1 ...); a2 (offset 4) fails
    transiently every time: the commit stops at offset 4, nothing of key a after it runs, key
    b's records before it are done once. Restarted with the fault gone, everything from offset
    4 comes again, key a in its order."""
    broken = {"a2"}
    deliveries: dict[str, int] = {}

    def make(prefix: str) -> Harness:
        harness = Harness(prefix, max_retries=1, concurrency=4)

        @harness.consumer.on(ThingHappened.event_type)
        async def count(event: Event, envelope: Envelope) -> None:
            assert isinstance(event, ThingHappened)
            deliveries[event.counter] = deliveries.get(event.counter, 0) + 1
            if event.counter in broken:
                raise TransientError("store unreachable")
            harness.handled.append(event.counter)

        return harness

    first = make(topic_prefix)
    await first.create_topics()
    names = [f"{key}{n}" for n in range(10) for key in "ab"]
    await produce(first.topic, [happened(c) for c in names], keys=[c[0].encode() for c in names])
    async with first:
        await eventually(lambda: _value(deliveries.get("a2", 0) >= 6), what="redeliveries")
        assert await eventually(_committed_at(first, 4), what="0-3 committed") == 4
    assert not any(f"a{n}" in deliveries for n in range(3, 10)), "nothing of a after a2 ran"
    assert [c for c in first.handled if c.startswith("a")] == ["a0", "a1"]
    assert deliveries["a0"] == deliveries["a1"] == deliveries["b0"] == deliveries["b1"] == 1
    assert first.metric("hoppid_dlq_events_total") is None  # transient: never dead-lettered
    assert await first.committed_offset(0) == 4  # still, after the stop

    broken.clear()
    restarted = make(topic_prefix)
    async with restarted:
        await eventually(lambda: _value(len(restarted.handled) >= 16), what="4-19 again")
        assert await eventually(_committed_at(restarted, 20), what="all committed") == 20
    assert [c for c in restarted.handled if c.startswith("a")] == [f"a{n}" for n in range(2, 10)]
    assert sorted(c for c in restarted.handled if c.startswith("b")) == sorted(
        f"b{n}" for n in range(2, 10)
    )


async def _eq(got: Awaitable[Any], expected: Any) -> bool:
    return await got == expected


async def _value(value: Any) -> Any:
    return value


def _committed_at(harness: Harness, offset: int, *, partition: int = 0) -> Any:
    async def probe() -> int | None:
        committed = await harness.committed_offset(partition)
        return committed if committed == offset else None

    return probe
