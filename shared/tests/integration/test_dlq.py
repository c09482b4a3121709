"""The dead-letter command (scripts/dlq.sh) against the real broker: a poison record dead-lettered
by a real EventConsumer is listed with its error and origin (never its data), re-driven once its
handler is fixed and handled once; a second re-drive changes nothing. No Kafka mocks.

The handlers are idempotent by event id, as every consumer of the platform is (Kafka delivers a
record again after a rebalance, which a loaded machine causes): "handled once" is one effect per
id, and "published once" is counted on the topic itself."""

import asyncio
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from aiokafka import AIOKafkaProducer
from pydantic import Field
from pymongo.asynchronous.database import AsyncDatabase

from hoppid.shared.consumer import EventConsumer
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event, EventCatalogue, pii_field
from hoppid.shared.kafka import Topics, ensure_topics, make_broker
from hoppid.shared.metrics import ServiceMetrics
from hoppid.shared.pii import PersonalDataVault
from hoppid.shared.settings import ServiceSettings
from hoppid.shared.testing import eventually, kafka_client, kafka_servers, vault_for_tests

from .helpers import ThingHappened, read_all, test_catalogue

REPO = Path(__file__).resolve().parents[3]
SECRET = "Kari Nordmann, 12345678"  # stands for personal data in the poison record


def dlq(*args: str) -> subprocess.CompletedProcess[str]:
    """The operator's command, as an operator runs it."""
    env = {**os.environ, "HOPPID_KAFKA_BOOTSTRAP_SERVERS": kafka_servers()}
    return subprocess.run(
        [str(REPO / "scripts" / "dlq.sh"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def listed(topic: str, *args: str) -> list[dict[str, Any]]:
    result = dlq("list", topic, "--json", *args)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


class Registered(Event):
    """A test event with a personal field, sealed by the vault as producers seal them."""

    event_type: ClassVar[str] = "no.hoppid.test.person.registered.v1"
    case_id: str = Field(description="The case")
    email: str | None = pii_field("The person's address", default=None)


def catalogue() -> EventCatalogue:
    events = test_catalogue()
    events.register(Registered)
    return events


@dataclass
class Service:
    """One consumer group of a topic whose handler fails on ``poison`` until fixed."""

    prefix: str
    group: str
    fixed: bool = False
    handled: set[str] = field(default_factory=set)  # ce_id of each event handled (the inbox)
    vault: PersonalDataVault | None = None
    emails: set[str | None] = field(default_factory=set)  # what a Registered handler saw

    def __post_init__(self) -> None:
        self.topic = Topics(self.prefix).domain("testing")
        self.broker = make_broker(
            ServiceSettings(kafka_bootstrap_servers=kafka_servers()), client_id="test-dlq"
        )
        self.consumer = EventConsumer(
            broker=self.broker,
            group_id=f"{self.prefix}{self.group}",
            topics=(self.topic,),
            catalogue=catalogue(),
            metrics=ServiceMetrics("testing"),
            max_retries=1,
            retry_base_seconds=0.05,
            vault=self.vault,
        )

        @self.consumer.on(ThingHappened.event_type)
        async def count(event: Event, envelope: Envelope) -> None:
            assert isinstance(event, ThingHappened)
            if event.counter == "poison" and not self.fixed:
                raise ValueError("cannot count poison")  # not transient: dead-lettered
            self.handled.add(envelope.id)

        @self.consumer.on(Registered.event_type)
        async def register(event: Event, envelope: Envelope) -> None:
            assert isinstance(event, Registered)
            if not self.fixed:
                raise ValueError("cannot register yet")
            self.handled.add(envelope.id)
            self.emails.add(event.email)

    async def __aenter__(self) -> "Service":
        self.consumer.attach()
        await self.broker.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.broker.stop()


async def produce(topic: str, events: list[tuple[str, Envelope]]) -> dict[str, tuple[int, int]]:
    """Publish (key, envelope) pairs; the (partition, offset) of each event id."""
    producer = AIOKafkaProducer(**kafka_client(), acks="all")
    await producer.start()
    try:
        where = {}
        for key, envelope in events:
            headers = [(k, v.encode()) for k, v in envelope.headers().items()]
            meta = await producer.send_and_wait(
                topic, envelope.value(), key=key.encode(), headers=headers
            )
            where[envelope.id] = (meta.partition, meta.offset)
        return where
    finally:
        await producer.stop()


async def records_in(topic: str, expected: int) -> int:
    """How many records the topic holds: ``expected``, and any beyond them that come."""
    return len(await read_all(topic, expected))


def envelope(counter: str, subject: str, **data: Any) -> Envelope:
    event = ThingHappened(counter=counter)
    plain = event.to_envelope(source="/test", subject=subject, office="nordveggen")
    return Envelope(
        type=plain.type,
        source=plain.source,
        subject=plain.subject,
        office=plain.office,
        data={**plain.data, **data},
    )


async def test_a_dead_letter_is_listed_redriven_once_and_handled_once(topic_prefix: str) -> None:
    service = Service(topic_prefix, "counter")
    await ensure_topics(kafka_servers(), [service.topic, Topics.dlq(service.topic)], partitions=3)
    good_a, poison, good_b = (
        envelope("a", "case-1"),
        # a personal field, and one sealed as the vault seals them: neither may be listed
        envelope("poison", "case-2", name=SECRET, phone={"sealed": "c2VhbGVk", "person": "p-9"}),
        envelope("b", "case-3"),
    )
    where = await produce(
        service.topic, [("case-1", good_a), ("case-2", poison), ("case-3", good_b)]
    )

    async with service:
        await eventually(lambda: _async(len(service.handled) == 2), what="the good events")
        await read_all(Topics.dlq(service.topic), 1)

        # listed, with its error and origin, and nothing of its data; more than one row only if
        # Kafka delivered the poison again (a rebalance under load) and it was dead-lettered again
        rows = listed(service.topic)
        row = rows[0]
        assert {(r["offset"], r["id"], r["error"]) for r in rows} == {
            (row["offset"], row["id"], row["error"])
        }
        assert row["error"] == "ValueError: cannot count poison"
        assert (row["topic"], row["partition"], row["offset"]) == (service.topic, *where[poison.id])
        assert row["group"] == f"{topic_prefix}counter"
        assert (row["type"], row["id"], row["subject"]) == (poison.type, poison.id, "case-2")
        assert row["office"] == "nordveggen" and row["dead_lettered_at"]
        assert row["redriven"] is None and "data" not in row
        text = dlq("list", service.topic)
        assert text.returncode == 0 and poison.id in text.stdout
        assert "cannot count poison" in text.stdout and "not re-driven" in text.stdout
        with_data = dlq("list", Topics.dlq(service.topic), "--data")  # the DLQ's name works too
        for output in (json.dumps(row), text.stdout, with_data.stdout):
            assert "Kari" not in output and "c2VhbGVk" not in output
        assert '"phone": "[sealed]"' in with_data.stdout

        # fixed: re-driven by its DLQ position, handled once
        service.fixed = True
        result = dlq("redrive", service.topic, "--offsets", row["dlq"])
        assert result.returncode == 0, result.stderr
        assert "1 re-driven" in result.stdout
        await eventually(lambda: _async(poison.id in service.handled), what="the re-driven one")
        row = listed(service.topic)[0]
        assert row["redriven"]["to"].startswith(f"{service.topic}:")

        # a second re-drive, by position, by event id, or all: nothing is published again
        assert await records_in(service.topic, 4) == 4  # three, and the one re-driven
        for again in (["--offsets", row["dlq"]], ["--event-id", poison.id], ["--all"]):
            result = dlq("redrive", service.topic, *again)
            assert result.returncode == 0, result.stderr
            assert "0 re-driven" in result.stdout and "already re-driven" in result.stdout
        assert listed(service.topic, "--pending") == []
        records = await read_all(service.topic, 4)
        assert len(records) == 4
        assert [ce_id(r) for r in records].count(poison.id) == 2  # itself, and one re-drive
        assert service.handled == {good_a.id, good_b.id, poison.id}


async def test_one_record_dead_lettered_by_two_groups_is_redriven_once(topic_prefix: str) -> None:
    first, second = Service(topic_prefix, "first"), Service(topic_prefix, "second")
    await ensure_topics(kafka_servers(), [first.topic, Topics.dlq(first.topic)], partitions=1)
    poison = envelope("poison", "case-7")
    await produce(first.topic, [("case-7", poison)])
    async with first, second:
        await read_all(Topics.dlq(first.topic), 2)
        rows = listed(first.topic)
        assert {row["group"] for row in rows} == {f"{topic_prefix}first", f"{topic_prefix}second"}
        assert len({(row["topic"], row["partition"], row["offset"]) for row in rows}) == 1

        dry = dlq("redrive", first.topic, "--all", "--dry-run")
        assert "1 would re-drive, " in dry.stdout and "0 covered" not in dry.stdout, dry.stdout
        assert await records_in(first.topic, 1) == 1

        first.fixed = second.fixed = True
        result = dlq("redrive", first.topic, "--all", "--group", f"{topic_prefix}first")
        assert "1 re-driven" in result.stdout, result.stdout
        await eventually(
            lambda: _async(first.handled == second.handled == {poison.id}),
            what="both groups handled the one re-driven record",
        )
        # the second group's dead letter: its origin went again already, so it is only marked
        result = dlq("redrive", first.topic, "--all")
        assert "0 re-driven, " in result.stdout and "0 covered" not in result.stdout, result.stdout
        assert await records_in(first.topic, 2) == 2
        assert all(row["redriven"] for row in listed(first.topic))


async def test_a_sealed_event_stays_sealed_in_the_dlq_and_when_redriven(
    topic_prefix: str, database: AsyncDatabase[dict[str, Any]]
) -> None:
    vault = vault_for_tests(database)
    service = Service(topic_prefix, "people", vault=vault)
    await ensure_topics(kafka_servers(), [service.topic, Topics.dlq(service.topic)], partitions=2)
    plain = Registered(case_id="case-5", email="kari@example.no").to_envelope(
        source="/test", subject="case-5"
    )
    sealed = await vault.seal(plain, Registered, "person-5")
    await produce(service.topic, [("case-5", sealed)])
    async with service:
        for letter in await read_all(Topics.dlq(service.topic), 1):
            assert b"kari" not in letter.value  # the record as it was: sealed
            assert all(b"kari" not in (value or b"") for _, value in letter.headers)
        listing = dlq("list", service.topic, "--data")
        assert listing.returncode == 0 and sealed.id in listing.stdout
        assert "kari" not in listing.stdout and '"email": "[sealed]"' in listing.stdout

        service.fixed = True
        result = dlq("redrive", service.topic, "--event-id", sealed.id)
        assert "1 re-driven" in result.stdout, result.stdout + result.stderr
        await eventually(lambda: _async(service.emails), what="the re-driven registration")
        assert service.emails == {"kari@example.no"}  # unsealed by the consumer, as before
        records = await read_all(service.topic, 2)
        assert all(b"kari" not in record.value for record in records)
        again = [r for r in records if any(k == "hoppid_redriven_from" for k, _ in r.headers)]
        assert [r.key for r in again] == [b"case-5"]  # same key, so its subject's partition


def test_a_position_without_its_partition_is_refused() -> None:
    bad = subprocess.run(
        [sys.executable, "-m", "hoppid.shared.dlq", "redrive", "t", "--offsets", "12"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and "partition:offset" in bad.stderr


def ce_id(record: Any) -> str:
    return next(value.decode() for name, value in record.headers if name == "ce_id")


async def _async(value: Any) -> Any:
    await asyncio.sleep(0)
    return value
