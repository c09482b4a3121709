"""Events projected per second by reporting, live and in a rebuild, against a plain consumer.

A stream of realistic events, as intake and scheduling publish them (real event models and
envelopes; inquiry.received with its personal fields sealed as intake's vault seals them), goes
onto a fresh topic prefix. Per case: inquiry.received, case.opened, status to contacted, a
meeting booked, status to in_guidance, the meeting held; one case in four also registers a
company (status and company.registered). Each office's office.changed comes first. Then, in
one run:

1. **live**: reporting runs as its own process (``python -m hoppid.reporting.main``) on the
   prefix and a fresh database, idle and ready; ``EVENTS`` events are produced (one batched
   plain producer) and the clock stops when its consumer groups have committed the topics'
   ends (Kafka's committed offsets, as its consumer-lag gauge reads them). The figures it
   answers are then checked against the stream (inquiries, meetings held, companies).
2. **ceiling**: a plain aiokafka consumer without a group reads the same topics from the
   beginning, records only (no parsing, no commit): the fastest a consumer gets here.
3. **rebuild**: with the service stopped, the topics are filled up to ``REBUILD_EVENTS``
   (the live events included), the ceiling is read again over all of them, then
   ``python -m hoppid.reporting.rebuild`` runs as an operator runs it, timed as a whole
   (process start, replay, switch-over grace included); the rebuilt cells are checked against
   the stream.

Topics, the database and the vault database are deleted afterwards. Writes a table to stdout
(progress to stderr); scripts/bench.sh puts it in docs/benchmarks.md. Run with the local stack
up: ``python bench/reporting_throughput.py [EVENTS [REBUILD_EVENTS]]`` (or the environment
variables of those names; 500 and 1000 by default, quick; docs/benchmarks.md shows
``500 1000000``).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from itertools import islice
from signal import SIGINT, SIGTERM
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hoppid.contracts import intake as ev
from hoppid.contracts import scheduling as sc
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.kafka import Topics, client_options, ensure_topics
from hoppid.shared.mongo import make_mongo_client
from hoppid.shared.pii import KEYS, SEALED, encrypt_field, vault_kek, wrap_key
from hoppid.shared.testing import TEST_LINK_SECRET, ServiceProcess, delete_topics, eventually

SERVERS = os.environ.get("HOPPID_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
MONGODB_URL = os.environ.get("HOPPID_MONGODB_URL", "mongodb://127.0.0.1:27017/")
PARTITIONS = 3
COUNTY_KEY = "bench-county-key"
GROUPS = ("figures", "offices", "partner-facts")  # reporting's groups on both topics
# the packaged offices with one municipality each (budgets as in shared/data/offices.json)
OFFICES = (
    ("nordveggen", "1539", 32_000),
    ("molde", "1506", 32_000),
    ("alesund", "1508", 48_000),
    ("kristiansund", "1505", 32_000),
    ("sunnmore-sor", "1577", 40_000),
)
FIRST_DAY = datetime(2025, 1, 6, 8, tzinfo=UTC)


@dataclass
class Expected:
    cases: int = 0
    held: int = 0
    companies: int = 0


@dataclass
class Stream:
    """Cases one after another, each as its services publish it; ``keys`` are the people's
    vault keys (intake keeps them in the vault database, where the live consumers find them)."""

    run: str
    expected: Expected = field(default_factory=Expected)
    keys: dict[str, bytes] = field(default_factory=dict)

    def offices(self) -> Iterator[tuple[str, Envelope]]:
        for office, municipality, budget in OFFICES:
            event = ev.OfficeChanged(
                office_id=office,
                name=office,
                municipalities=[municipality],
                languages=["nb"],
                contact_email=f"hoppid@{office}.example",
                yearly_budget_eur=budget,
                changed_at=FIRST_DAY - timedelta(days=30),
            )
            yield "intake", event.to_envelope(source=ev.SOURCE, subject=office, office=office)

    def case(self, n: int) -> Iterator[tuple[str, Envelope]]:
        office, municipality, _ = OFFICES[n % len(OFFICES)]
        case, booking = f"{self.run}-case-{n}", f"{self.run}-booking-{n}"
        person = f"{self.run}-person-{n * 5 // 6}"  # about one person in five comes twice
        opened = FIRST_DAY + timedelta(hours=3 * n)  # spread over months
        meeting = opened + timedelta(days=5)

        def intake(event: Event) -> tuple[str, Envelope]:
            envelope = event.to_envelope(
                source=ev.SOURCE, subject=case, office=office, municipality=municipality
            )
            return "intake", envelope

        def scheduling(event: Event) -> tuple[str, Envelope]:
            return "scheduling", event.to_envelope(source=sc.SOURCE, subject=booking, office=office)

        def status(frm: str, to: str, at: datetime) -> tuple[str, Envelope]:
            changed = ev.CaseStatusChanged(
                case_id=case,
                office_id=office,
                from_status=frm,
                to_status=to,
                changed_at=at,
            )
            return intake(changed)

        ids = {"booking_id": booking, "case_id": case, "office_id": office, "person_id": person}
        common = {
            "person_id": person,
            "municipality": municipality,
            "case_id": case,
            "office_id": office,
        }
        received = ev.InquiryReceived(
            **common,
            reference=f"HOP-{n:08d}",
            language="nb",
            needs=["guidance", "application_help"],
            received_at=opened,
            name=f"Kari Nordmann {n}",
            email=f"kari.{n}@example.no",
            case_link_token=f"link-token-{n}",
        )
        topic, envelope = intake(received)
        yield topic, self.seal(envelope, person)
        self.expected.cases += 1  # counted before it is yielded: the stream may stop after it
        yield intake(
            ev.CaseOpened(
                **common,
                reference=f"HOP-{n:08d}",
                needs=["guidance", "application_help"],
                stage="idea" if n % 3 else "running",
                language="nb",
                meeting_mode="digital",
                opened_at=opened,
                first_case_of_person=True,
            )
        )
        yield status("new", "contacted", opened + timedelta(days=1))
        yield scheduling(
            sc.MeetingBooked(
                **ids,
                advisor_id=f"adv-{office}",
                meeting_type="first_guidance",
                mode="in_person",
                start=meeting,
                end=meeting + timedelta(hours=1),
                booked_by="entrepreneur",
                booked_at=opened + timedelta(days=1),
            )
        )
        yield status("contacted", "in_guidance", meeting)
        self.expected.held += 1
        yield scheduling(
            sc.MeetingHeld(
                **ids,
                advisor_id=f"adv-{office}",
                meeting_type="first_guidance",
                start=meeting,
                recorded_at=meeting + timedelta(hours=2),
            )
        )
        if n % 4 == 0:
            registered = (meeting + timedelta(days=60)).date()
            yield status("in_guidance", "company_registered", meeting + timedelta(days=60))
            self.expected.companies += 1
            yield intake(
                ev.CompanyRegistered(
                    **common,
                    org_number=f"9{n % 100_000_000:08d}",
                    registered_on=registered,
                    share_with_partners=n % 8 == 0,
                    first_contact_at=opened,
                )
            )

    def seal(self, envelope: Envelope, person: str) -> Envelope:
        """As intake's vault seals it (hoppid.shared.pii.PersonalDataVault.seal)."""
        key = self.keys.setdefault(person, AESGCM.generate_key(bit_length=256))
        data = dict(envelope.data)
        for name in ev.InquiryReceived.pii_fields():
            context = f"{envelope.type}|{name}|{person}"
            data[name] = {SEALED: encrypt_field(key, data[name], context), "person": person}
        return replace(envelope, data=data)


def events(stream: Stream, first_case: int) -> Iterator[tuple[str, Envelope]]:
    """The stream from case ``first_case`` on, endlessly (the offices first from case 0)."""
    if first_case == 0:
        yield from stream.offices()
    n = first_case
    while True:
        yield from stream.case(n)
        n += 1


async def produce(prefix: str, items: Iterable[tuple[str, Envelope]]) -> None:
    """The items with one batched producer (acks from all, idempotent)."""
    topics = Topics(prefix)
    producer = AIOKafkaProducer(
        **client_options(SERVERS), acks="all", enable_idempotence=True, linger_ms=5
    )
    await producer.start()
    try:
        pending = []
        for name, envelope in items:
            headers = [(k, v.encode()) for k, v in envelope.headers().items()]
            pending.append(
                await producer.send(
                    topics.domain(name), envelope.value(), key=envelope.key(), headers=headers
                )
            )
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


async def partitions(topics: list[str]) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(**client_options(SERVERS))
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    return [TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]]


async def ceiling(topics: list[str], count: int) -> float:
    """Seconds a plain consumer (no group, no parsing, no commit) takes to read ``count``."""
    consumer = AIOKafkaConsumer(**client_options(SERVERS), group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        assigned = await partitions(topics)
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        started, seen = time.perf_counter(), 0
        while seen < count:
            for records in (await consumer.getmany(timeout_ms=500, max_records=5000)).values():
                seen += len(records)
        return time.perf_counter() - started
    finally:
        await consumer.stop()


async def lag_of(admin: AIOKafkaAdminClient, group: str, ends: dict[TopicPartition, int]) -> int:
    committed = await admin.list_consumer_group_offsets(group)
    return sum(end - (committed[p].offset if p in committed else 0) for p, end in ends.items())


async def caught_up(prefix: str, topics: list[str], started: float) -> dict[str, float]:
    """Seconds from ``started`` until each of reporting's groups committed the topics' ends."""
    admin = AIOKafkaAdminClient(**client_options(SERVERS))
    consumer = AIOKafkaConsumer(**client_options(SERVERS), group_id=None)
    await admin.start()
    await consumer.start()
    done: dict[str, float] = {}
    try:
        ends = await consumer.end_offsets(await partitions(topics))
        last_report = time.perf_counter()
        while len(done) < len(GROUPS):
            lags = {}
            for group in GROUPS:
                if group not in done:
                    lags[group] = await lag_of(admin, f"{prefix}hoppid.reporting.{group}", ends)
                    if lags[group] <= 0:
                        done[group] = time.perf_counter() - started
            if time.perf_counter() - last_report > 30:
                last_report = time.perf_counter()
                print(f"  live, {last_report - started:.0f} s: lag {lags}", file=sys.stderr)
            await asyncio.sleep(0.5)
        return done
    finally:
        await consumer.stop()
        await admin.close()


def environment(prefix: str, database: str) -> dict[str, str]:
    return {
        "HOPPID_KAFKA_BOOTSTRAP_SERVERS": SERVERS,
        "HOPPID_MONGODB_URL": MONGODB_URL,
        "HOPPID_TOPIC_PREFIX": prefix,
        "HOPPID_TOPIC_PARTITIONS": str(PARTITIONS),
        "HOPPID_DATABASE": database,
        "HOPPID_REPORTING_COUNTY_KEY": COUNTY_KEY,
        "HOPPID_LOG_LEVEL": "WARNING",
        "HOPPID_REPORTING_REBUILD_GRACE_SECONDS": "1",
    }


async def live_figures(base: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        headers = {"Authorization": f"Bearer {COUNTY_KEY}"}
        response = await client.get("/v1/figures", headers=headers)
        response.raise_for_status()
        row: dict[str, Any] = response.json()[0]
        return row


async def until_ready(service: ServiceProcess) -> None:
    async with httpx.AsyncClient(timeout=10) as client:

        async def ready() -> bool:
            return (await client.get(f"{service.url}/readyz")).status_code == 200

        await eventually(ready, timeout=120, what="reporting ready")


async def rebuild(env: dict[str, str]) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "hoppid.reporting.rebuild",
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await process.communicate()
    except asyncio.CancelledError:  # the benchmark was stopped: so is the rebuild
        process.terminate()
        await process.wait()
        raise
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"rebuild exited with {process.returncode}: {err.decode()[-3000:]}")
    outcome: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])["rebuilt"]
    return seconds, outcome


async def stored_figures(database: Any, version: int) -> dict[str, int]:
    """The county's totals summed from the version's cells, as the figures query sums them."""
    totals = {"inquiries": 0, "meetings_held": 0, "companies_registered": 0}
    async for cell in database[f"v{version}_cells"].find({}, {"c": 1}):
        for name in totals:
            totals[name] += int(cell.get("c", {}).get(name, 0))
    return totals


def matches(figures: dict[str, Any], expected: Expected) -> bool:
    wanted = (expected.cases, expected.held, expected.companies)
    got = (figures["inquiries"], figures["meetings_held"], figures["companies_registered"])
    return got == wanted


def row(path: str, events: int, seconds: float, ceiling_rate: float | None) -> str:
    rate = events / seconds
    share = "1" if ceiling_rate is None else f"1/{ceiling_rate / rate:,.0f}"
    return f"| {path} | {events:,} | {seconds:,.2f} | {rate:,.0f} | {share} |"


async def store_keys(vault: Any, keys: dict[str, bytes]) -> None:
    """The people's keys in the vault database, as intake's vault leaves them."""
    now, kek = datetime.now(UTC), AESGCM(vault_kek(TEST_LINK_SECRET))  # the services' secret
    documents = [
        {"_id": person, "wrapped": wrap_key(kek, person, key), "created_at": now}
        for person, key in keys.items()
    ]
    for start in range(0, len(documents), 1000):
        await vault[KEYS].insert_many(documents[start : start + 1000], ordered=False)
    keys.clear()  # the next batch of the stream only adds new people


async def main(count: int, rebuild_count: int) -> None:
    run = uuid.uuid4().hex[:8]
    prefix, database_name = f"bench-{run}.", f"bench_reporting_{run}"
    vault_name = f"bench-{run}_hoppid_vault"  # what the settings derive from the prefix
    topics = [Topics(prefix).domain(name) for name in ("intake", "scheduling")]
    await ensure_topics(SERVERS, [*topics, *map(Topics.dlq, topics)], partitions=PARTITIONS)
    mongo = make_mongo_client(MONGODB_URL)
    stream = Stream(run)
    items = events(stream, 0)
    lines: list[str] = []
    env = environment(prefix, database_name)
    try:
        service = ServiceProcess("reporting", env)
        try:
            await service.start()
            await until_ready(service)
            batch = list(islice(items, count))
            await store_keys(mongo[vault_name], stream.keys)  # before intake would publish
            print(f"live: producing {count} events", file=sys.stderr)
            started = time.perf_counter()
            await produce(prefix, batch)
            produced = time.perf_counter() - started
            done = await caught_up(prefix, topics, started)
            figures = await live_figures(service.url)
        finally:
            await service.stop()
        live_expected = replace(stream.expected)
        live_ceiling = await ceiling(topics, count)
        rate = count / live_ceiling
        lines += [
            f"Live: {count:,} events ({live_expected.cases:,} cases), produced in "
            f"{produced:.2f} s (inside the live times); figures after it: "
            f"{figures['inquiries']:,} inquiries, {figures['meetings_held']:,} meetings held, "
            f"{figures['companies_registered']:,} companies "
            f"({'as produced' if matches(figures, live_expected) else 'NOT as produced'}).",
            "",
            "| path | events | seconds | events/s | of the ceiling |",
            "|---|---:|---:|---:|---:|",
            row("plain aiokafka consumer, no processing (ceiling)", count, live_ceiling, None),
            row("reporting live: `figures` group committed the end", count, done["figures"], rate),
            row("reporting live: `offices` group committed the end", count, done["offices"], rate),
            row(
                "reporting live: `partner-facts` group committed the end",
                count,
                done["partner-facts"],
                rate,
            ),
        ]
        if rebuild_count > count:
            print(f"rebuild: producing {rebuild_count - count} more events", file=sys.stderr)
            await produce(prefix, islice(items, rebuild_count - count))
        total = max(rebuild_count, count)
        print(f"rebuild: ceiling over {total} events", file=sys.stderr)
        rebuild_ceiling = await ceiling(topics, total)
        print("rebuild: running python -m hoppid.reporting.rebuild", file=sys.stderr)
        seconds, outcome = await rebuild(env)
        rebuilt = await stored_figures(mongo[database_name], outcome["version"])
        rate = total / rebuild_ceiling
        lines += [
            "",
            f"Rebuild: {total:,} events ({stream.expected.cases:,} cases); it replayed "
            f"{outcome['events']:,} and skipped {outcome['skipped']:,}, wrote "
            f"{outcome.get('documents', 0):,} documents ({outcome.get('replaced', 0):,} written "
            f"again whole by a later window) in {outcome.get('flushes', 1):,} windows, held at "
            f"most {outcome.get('peak_held', 0):,} items in memory, peak RSS of the rebuild "
            f"process {outcome.get('peak_rss_mib', 0):,.0f} MiB; rebuilt cells: "
            f"{rebuilt['inquiries']:,} inquiries, {rebuilt['meetings_held']:,} meetings held, "
            f"{rebuilt['companies_registered']:,} companies "
            f"({'as produced' if matches(rebuilt, stream.expected) else 'NOT as produced'}).",
            "",
            "| path | events | seconds | events/s | of the ceiling |",
            "|---|---:|---:|---:|---:|",
            row("plain aiokafka consumer, no processing (ceiling)", total, rebuild_ceiling, None),
            row("`python -m hoppid.reporting.rebuild`, whole command", total, seconds, rate),
        ]
        if phases := outcome.get("seconds"):
            lines += [
                "",
                "Where the rebuild's replay spent its time, by its own clocks (seconds; `write` "
                "runs while the next window is read, parsed and projected, `wait` is the replay "
                "waiting for the write before it): "
                + ", ".join(f"{name} {value:,.1f}" for name, value in phases.items())
                + ".",
            ]
    finally:
        await delete_topics(prefix)
        for name in (database_name, vault_name):
            await mongo.drop_database(name)
        await mongo.close()
    print("\n".join(lines))


def argument(position: int, variable: str, default: int) -> int:
    if len(sys.argv) > position:
        return int(sys.argv[position])
    return int(os.environ.get(variable, default))


async def cancellable(count: int, rebuild_count: int) -> None:
    """main(), cancelled by SIGTERM/SIGINT so its clean-up (topics, databases) still runs."""
    task = asyncio.current_task()
    assert task is not None
    for signal in (SIGINT, SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signal, task.cancel)
    await main(count, rebuild_count)


if __name__ == "__main__":
    asyncio.run(cancellable(argument(1, "EVENTS", 500), argument(2, "REBUILD_EVENTS", 1000)))
