"""Public inquiries per second, and their latency, through intake against a bare insert endpoint.

Both servers run as their own process, one uvicorn worker each, log level warning, against the
local stack's store: intake (``python -m hoppid.intake.main``: claims, person upsert, case with
its events in the outbox, the relay publishing to Kafka meanwhile) and
bench/baseline_insert_app.py (FastAPI + one PyMongo ``insert_one``, the same default write
concern). The baseline runs first, then intake; each gets a warm-up, then ``INQUIRIES`` requests
from ``CONCURRENCY`` concurrent senders of one asyncio httpx client in this process, which
shares the machine's cores with the servers, the store and Kafka. After intake's run it waits
until the outbox is empty and counts the events on intake's topic.

Writes a table to stdout; scripts/bench.sh puts it in docs/benchmarks.md. Run with the local
stack up: ``python bench/intake_throughput.py [INQUIRIES [CONCURRENCY]]`` (1000 and 16 by
default, or the environment variables of those names). Fresh databases and topics per run,
removed at the end.

With ``COUNTY=<prefix>`` (e.g. ``COUNTY=county.``) intake runs instead on the instance a
county was seeded into by bench/seed_county.py (its databases and topic prefix: 50,000 cases
and 40,000 people stored at full scale); the baseline still inserts into a fresh database. The
cases, people, claims and vault keys the run made (those created since it started: the seeded
five years end before) are removed from the county at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import socket
import sys
import tempfile
import time
import uuid
from asyncio.subprocess import STDOUT, Process
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import AsyncMongoClient

from hoppid.intake.store import OUTBOX_COLLECTIONS
from hoppid.shared.envelope import Envelope
from hoppid.shared.kafka import Topics, client_options
from hoppid.shared.settings import _database_safe
from hoppid.shared.testing import public_inquiry

SERVERS = os.environ.get("HOPPID_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
MONGODB_URL = os.environ.get("HOPPID_MONGODB_URL", "mongodb://127.0.0.1:27017/")
REPO = Path(__file__).resolve().parent.parent
WARMUP = 50
COUNTY = os.environ.get("COUNTY", "")  # a seeded county's prefix (bench/seed_county.py)
SUBMISSIONS_PER_HOUR = 100_000  # the highest intake accepts; the rate limit must never bite


def inquiry(tag: str, n: int) -> dict[str, Any]:
    """A valid inquiry; distinct email and idea, so that each one opens a new case."""
    return public_inquiry(
        email=f"kari.{tag}{n}@example.no",
        phone="912 34 567",
        idea=f"idea number {tag}{n}: a bakery with a café and a small shop for local food",
    )


@dataclass
class Run:
    seconds: float = 0.0
    ended: float = 0.0  # perf_counter() when the last response came
    latencies: list[float] = field(default_factory=list)  # in the order the requests were sent
    failures: Counter[str] = field(default_factory=Counter)


async def load(client: httpx.AsyncClient, url: str, tag: str, count: int, senders: int) -> Run:
    """``count`` POSTs from ``senders`` concurrent tasks; each request timed on its own."""
    run = Run(latencies=[0.0] * count)
    numbers = iter(range(count))

    async def sender() -> None:
        for n in numbers:  # one shared iterator: each number is sent once
            body = inquiry(tag, n)
            started = time.perf_counter()
            try:
                response = await client.post(url, json=body)
                outcome = "" if response.status_code == 201 else str(response.status_code)
            except httpx.HTTPError as error:
                outcome = type(error).__name__
            run.latencies[n] = time.perf_counter() - started
            if outcome:
                run.failures[outcome] += 1

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(senders)))
    run.ended = time.perf_counter()
    run.seconds = run.ended - started
    return run


def percentile(values: list[float], fraction: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def server(
    name: str, command: list[str], env: dict[str, str], port: int, logs: Path
) -> AsyncIterator[str]:
    """Start a server process, wait for /readyz, yield its base URL; always stop it again."""
    log_path = logs / f"{name}.log"
    log = await asyncio.to_thread(log_path.open, "wb")
    try:
        process = await asyncio.create_subprocess_exec(
            *command, env={**os.environ, **env}, cwd=REPO, stdout=log, stderr=STDOUT
        )
    finally:
        log.close()  # the child has its own handle
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(name, process, base, log_path)
        yield base
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
                await process.wait()


async def wait_ready(name: str, process: Process, base: str, log: Path) -> None:
    deadline = time.monotonic() + 120
    async with httpx.AsyncClient(timeout=5) as client:
        while time.monotonic() < deadline:
            if process.returncode is not None:
                tail = (await asyncio.to_thread(log.read_text, errors="replace"))[-3000:]
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{tail}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"{base}/readyz")).status_code == 200:
                    return
            await asyncio.sleep(0.25)
    raise RuntimeError(f"{name} not ready after 120 s; see {log}")


async def outbox_empty(database: Any) -> bool:
    for name in OUTBOX_COLLECTIONS:
        if await database[name].find_one({"outbox.0": {"$exists": True}}, {"_id": 1}):
            return False
    return True


async def relay_metrics(client: httpx.AsyncClient, metrics: str) -> tuple[float, int]:
    """(outbox backlog gauge, events published so far) from intake's /metrics (its own port)."""
    values = {"hoppid_outbox_backlog_events": -1.0, "hoppid_outbox_published_events_total": -1.0}
    for line in (await client.get(metrics)).text.splitlines():
        name, _, value = line.partition('{service="intake"} ')
        if name in values:
            values[name] = float(value)
    return values["hoppid_outbox_backlog_events"], int(
        values["hoppid_outbox_published_events_total"]
    )


async def wait_drained(
    client: httpx.AsyncClient, metrics: str, database: Any, since: float, timeout: float = 900
) -> tuple[float, int]:
    """(seconds from ``since`` until the outbox was empty, events published by then).

    Watched on /metrics, which costs the store nothing: FerretDB scans a whole collection for
    an outbox query, and polling the store would slow the relay being measured. The gauge only
    tells what the relay's last pass found, so once it reads 0 and nothing more was published
    for a second (two relay intervals), one look at the store confirms the outbox is empty.
    """
    published, changed_at = -1, time.perf_counter()
    while time.perf_counter() - since < timeout:
        backlog, now_published = await relay_metrics(client, metrics)
        if now_published != published:
            published, changed_at = now_published, time.perf_counter()
        elif (
            backlog == 0
            and time.perf_counter() - changed_at >= 1.0
            and await outbox_empty(database)
        ):
            return max(0.0, changed_at - since), published
        await asyncio.sleep(0.25)
    raise RuntimeError(f"intake's outbox did not drain in {timeout:.0f} s")


async def events_on(topic: str) -> tuple[int, int]:
    """(records, distinct CloudEvents ids) on a topic, read from its beginning."""
    admin = AIOKafkaAdminClient(**client_options(SERVERS))
    await admin.start()
    try:
        (description,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    partitions = [TopicPartition(topic, p["partition"]) for p in description["partitions"]]
    consumer = AIOKafkaConsumer(**client_options(SERVERS), enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        total = sum((await consumer.end_offsets(partitions)).values())
        ids: set[str] = set()
        records = 0
        while records < total:
            for batch in (await consumer.getmany(timeout_ms=1000)).values():
                for record in batch:
                    records += 1
                    ids.add(Envelope.from_kafka(record.headers, record.value).id)
        return records, len(ids)
    finally:
        await consumer.stop()


async def delete_topics(prefix: str) -> None:
    admin = AIOKafkaAdminClient(**client_options(SERVERS))
    await admin.start()
    try:
        ours = [t for t in await admin.list_topics() if t.startswith(prefix)]
        if ours:
            await admin.delete_topics(ours)
    finally:
        await admin.close()


def row(path: str, run: Run, count: int, senders: int) -> str:
    p50, p99 = (percentile(run.latencies, f) * 1000 for f in (0.50, 0.99))
    rate = count / run.seconds
    errors = sum(run.failures.values())
    detail = (
        f" ({', '.join(f'{k}: {v}' for k, v in sorted(run.failures.items()))})" if errors else ""
    )
    return (
        f"| {path} | {count} | {senders} | {run.seconds:.2f} | {rate:,.{1 if rate < 100 else 0}f} "
        f"| {p50:.1f} | {p99:.1f} | {errors}{detail} |"
    )


async def main(count: int, senders: int) -> None:
    if count + WARMUP > SUBMISSIONS_PER_HOUR:
        raise SystemExit(f"at most {SUBMISSIONS_PER_HOUR - WARMUP} inquiries per run")
    run_id = uuid.uuid4().hex[:8]
    intake_db, baseline_db = f"bench_intake_{run_id}", f"bench_baseline_{run_id}"
    vault_db = f"bench_vault_{run_id}"  # intake's per-person keys (crypto-shredding)
    prefix = f"bench-{run_id}."
    started_at = datetime.now(UTC)
    if COUNTY:  # the seeded county's databases and topics (bench/seed_county.py)
        prefix = COUNTY
        intake_db, vault_db = (f"{_database_safe(COUNTY)}hoppid_{s}" for s in ("intake", "vault"))
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(MONGODB_URL)
    limits = httpx.Limits(max_connections=senders, max_keepalive_connections=senders)
    rows: list[str] = []
    notes: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix="hoppid-bench-") as tmp:
            logs = Path(tmp)
            async with httpx.AsyncClient(timeout=300, limits=limits) as client:
                # 1. the baseline
                port = free_port()
                env = {"BENCH_PORT": str(port), "BENCH_DATABASE": baseline_db}
                command = [sys.executable, str(REPO / "bench" / "baseline_insert_app.py")]
                async with server("baseline", command, env, port, logs) as base:
                    url = f"{base}/v1/inquiries"
                    await load(client, url, "warm", WARMUP, senders)
                    baseline_run = await load(client, url, "", count, senders)
                rows.append(
                    row("FastAPI + one insert_one (baseline)", baseline_run, count, senders)
                )
                print(rows[-1], file=sys.stderr)

                # 2. intake
                port, metrics_port = free_port(), free_port()
                metrics = f"http://127.0.0.1:{metrics_port}/metrics"
                env = {
                    "HOPPID_INTAKE_PORT": str(port),
                    "HOPPID_METRICS_PORT": str(metrics_port),
                    "HOPPID_DATABASE": intake_db,
                    "HOPPID_VAULT_DATABASE": vault_db,
                    "HOPPID_TOPIC_PREFIX": prefix,
                    "HOPPID_INTAKE_SUBMISSIONS_PER_HOUR": str(SUBMISSIONS_PER_HOUR),
                    "HOPPID_LOG_LEVEL": "WARNING",
                    "HOPPID_LINK_SECRET": uuid.uuid4().hex + uuid.uuid4().hex,
                }
                command = [sys.executable, "-m", "hoppid.intake.main"]
                database = mongo[intake_db]
                async with server("intake", command, env, port, logs) as base:
                    url = f"{base}/v1/inquiries"
                    await load(client, url, "warm", WARMUP, senders)
                    # the measured run starts with an empty outbox
                    await wait_drained(client, metrics, database, time.perf_counter())
                    run = await load(client, url, "", count, senders)
                    _, published_at_end = await relay_metrics(client, metrics)
                    drain, published = await wait_drained(client, metrics, database, run.ended)
                rows.append(row("intake POST /v1/inquiries", run, count, senders))
                print(rows[-1], file=sys.stderr)
                records, distinct = await events_on(Topics(prefix).domain("intake"))
                notes.append(
                    f"When intake's last response came, {published - published_at_end:,} of "
                    f"its events were still in the outbox; the relay had Kafka acknowledge "
                    f"the last of them {drain:.1f} s later. Intake's topic then held "
                    f"{records:,} records, {distinct:,} distinct events (the relay counted "
                    f"{published:,} published), for the {count + WARMUP:,} inquiries of the run "
                    f"and its warm-up and the offices seeded at start."
                )
                notes.append(trend(baseline_run, "baseline") + " " + trend(run, "intake"))
                notes.append(
                    f"The load generator (one asyncio httpx client, {senders} concurrent "
                    f"senders) runs on the same {os.cpu_count()} cores as the server under "
                    "test, the store and Kafka."
                )
    finally:
        if COUNTY:
            await remove_run(mongo, intake_db, vault_db, started_at)
        for name in (baseline_db,) if COUNTY else (intake_db, vault_db, baseline_db):
            with contextlib.suppress(Exception):
                await mongo.drop_database(name)
        await mongo.close()
        if not COUNTY:
            with contextlib.suppress(Exception):
                await delete_topics(prefix)

    print(
        "| path | requests | concurrency | seconds | requests/s | p50 ms | p99 ms | errors |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|"
    )
    print("\n".join(rows))
    print()
    print("\n\n".join(notes))


async def remove_run(mongo: Any, intake_db: str, vault_db: str, since: datetime) -> None:
    """What the run wrote into a seeded county: it stays as seeded for the next benchmark."""
    for name, stamp in (("cases", "created_at"), ("people", "created_at"), ("claims", "at")):
        await mongo[intake_db][name].delete_many({stamp: {"$gte": since}})
    await mongo[vault_db]["person_keys"].delete_many({"created_at": {"$gte": since}})


def trend(run: Run, name: str) -> str:
    """p50 of the first and the last tenth of the requests: does it slow down as data grows?"""
    tenth = max(1, len(run.latencies) // 10)
    first, last = run.latencies[:tenth], run.latencies[-tenth:]
    return (
        f"p50 of {name}'s first {tenth} requests {percentile(first, 0.5) * 1000:.1f} ms, "
        f"of its last {tenth} {percentile(last, 0.5) * 1000:.1f} ms."
    )


def argument(position: int, variable: str, default: int) -> int:
    if len(sys.argv) > position:
        return int(sys.argv[position])
    return int(os.environ.get(variable, default))


if __name__ == "__main__":
    asyncio.run(main(argument(1, "INQUIRIES", 1000), argument(2, "CONCURRENCY", 16)))
