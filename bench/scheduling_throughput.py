"""Free-slot search latency and bookings per second under contention, through scheduling's HTTP API.

scheduling runs as its own process (``python -m hoppid.scheduling.main``, one uvicorn worker,
log level warning) against the local stack's store and Kafka, with a fresh database and topics.
The office (Nordveggen, packaged) gets 10 advisors, Monday to Friday 09:00-15:00, with varied
languages and topics, added through the API as an office admin would.

1. **Slot search**: ``SEARCHES`` sequential ``GET /v1/offices/{id}/slots`` over 8 weeks (56
   days), up to 500 slots each, unfiltered and filtered (language, topic, mode), on the empty
   calendar and again after the booking run; beside the same number of ``GET /v1/offices/{id}``
   (key check and one store read: the floor of any authenticated request here) as the baseline
   of the same run, measured before each set of searches.
2. **Bookings under contention**: ``SLOTS`` target times (advisor and start, 90 minutes apart
   per advisor so they never overlap), each booked by ``RACERS`` different clients; ``CLIENTS``
   concurrent clients walk their share of the attempts. Every attempt is a staff
   ``POST /v1/offices/{id}/bookings`` naming the advisor. Exactly one per target can win; the
   others get 409 (with fresh times, which costs a search). Afterwards the store is checked:
   booked meetings equal the 201 answers, one per target, and no advisor's booked 15-minute
   cells overlap (the claims are unique, and each booked cell has its claim).

Every figure is also given as a ratio to the key check of the same run (the machine is shared
and absolute times drift): search p50 and p99 as multiples of the key check's, and bookings/s
as a fraction of the key checks answered per second one after the other.

With ``COUNTY=<prefix>`` (e.g. ``COUNTY=county.``) scheduling runs instead on the database of
a county seeded by bench/seed_county.py (``<prefix>hoppid_scheduling``, five years of meetings,
claims and offers, and its vault), in its largest office (Ålesund, which has its own advisors
and their upcoming meetings beside the 10 added here), with topics of its own; afterwards what
the run added (its advisors, their bookings, claims and busy times) is removed again, so the
county stays as seeded.

Writes a table to stdout; scripts/bench.sh puts it in docs/benchmarks.md. Run with the local
stack up: ``python bench/scheduling_throughput.py [SEARCHES [SLOTS [RACERS [CLIENTS]]]]``
(50, 400, 4 and 16 by default, or the environment variables of those names). 400 target times
is the size of issue 12's target: 400 meetings booked when the second searches run.
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
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

import httpx
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import AsyncMongoClient

from hoppid.scheduling.model import is_public_holiday, oslo_instant
from hoppid.shared.kafka import client_options
from hoppid.shared.settings import _database_safe

SERVERS = os.environ.get("HOPPID_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
MONGODB_URL = os.environ.get("HOPPID_MONGODB_URL", "mongodb://127.0.0.1:27017/")
REPO = Path(__file__).resolve().parent.parent
COUNTY = os.environ.get("COUNTY", "")  # a seeded county's prefix (bench/seed_county.py)
OFFICE = "alesund" if COUNTY else "nordveggen"  # the county's largest office
ADVISORS = 10
WEEKS = 8
WARMUP = 5
STARTS = (clock(9), clock(10, 30), clock(12), clock(13, 30))  # 60 min + 15 buffer fit 90 apart
LANGUAGES = (["nb", "en"], ["nb"], ["nn", "en"], ["en"], ["nb", "nn"])
PLACES = ("office", "office", "office", "office", "digital")  # Fridays digital
TOPICS = (["grants", "marketing"], ["export"], ["grants"], ["marketing", "finance"])


def advisor_form(n: int) -> dict[str, Any]:
    return {
        "name": f"Rådgiver {n}",
        "email": f"advisor{n}@nordveggen.example",
        "languages": LANGUAGES[n % len(LANGUAGES)],
        "topics": TOPICS[n % len(TOPICS)],
        "weekly_hours": [
            {
                "weekday": w,
                "start": "09:00",
                "end": "15:00",
                "place": "digital" if w == 4 else "office",
            }
            for w in range(5)
        ],
        "absences": [],
    }


def working_days(first: date, count: int) -> list[date]:
    days: list[date] = []
    day = first
    while len(days) < count:
        if day.weekday() < 5 and not is_public_holiday(day):
            days.append(day)
        day += timedelta(days=1)
    return days


@dataclass
class Timed:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


def percentile(values: list[float], fraction: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


async def sequential(client: httpx.AsyncClient, path: str, count: int) -> Timed:
    """``count`` GETs one after the other, each timed; the first WARMUP are not counted."""
    for _ in range(WARMUP):
        (await client.get(path)).raise_for_status()
    timed = Timed()
    began = time.perf_counter()
    for _ in range(count):
        started = time.perf_counter()
        response = await client.get(path)
        timed.latencies.append(time.perf_counter() - started)
        timed.statuses[str(response.status_code)] += 1
    timed.seconds = time.perf_counter() - began
    return timed


async def race(
    client: httpx.AsyncClient, targets: list[dict[str, Any]], racers: int, clients: int
) -> tuple[Timed, list[str]]:
    """Each target booked by ``racers`` clients; ``clients`` tasks share the attempts."""
    attempts = [(n, t) for n, t in enumerate(targets) for _ in range(racers)]
    # in target order: the racers of one target are taken by different clients at once
    queue = iter(attempts)
    timed, won = Timed(), list[str]()

    async def worker() -> None:
        for n, target in queue:
            body = {**target, "case_id": f"case-{n}", "person_id": f"person-{n}"}
            started = time.perf_counter()
            response = await client.post(f"/v1/offices/{OFFICE}/bookings", json=body)
            timed.latencies.append(time.perf_counter() - started)
            timed.statuses[str(response.status_code)] += 1
            if response.status_code == 201:
                won.append(response.json()["id"])

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    timed.seconds = time.perf_counter() - began
    return timed, won


def targets_for(advisors: list[str], count: int) -> list[dict[str, Any]]:
    """``count`` (advisor, start) pairs, from two days ahead (past the minimum notice)."""
    days = working_days(datetime.now(UTC).date() + timedelta(days=2), count)
    out: list[dict[str, Any]] = []
    for day in days:
        for start in STARTS:
            for advisor in advisors:
                instant = oslo_instant(day, start)
                assert instant is not None
                out.append(
                    {
                        "advisor_id": advisor,
                        "start": instant.isoformat(),
                        "meeting_type": "first_guidance",
                        "mode": "digital",
                    }
                )
                if len(out) == count:
                    return out
    return out


async def double_bookings(database: Any, advisors: list[str]) -> tuple[int, int, int]:
    """(booked meetings, cells booked twice by one advisor, booked cells without their claim),
    of the run's advisors."""
    mine = {"advisor_id": {"$in": advisors}}
    booked = [b async for b in database["bookings"].find({"status": "booked", **mine})]
    seen: Counter[tuple[str, datetime]] = Counter()
    for booking in booked:
        for cell in booking["cells"]:
            seen[(booking["advisor_id"], cell)] += 1
    twice = sum(1 for n in seen.values() if n > 1)
    claims = {(c["advisor_id"], c["cell"]) async for c in database["claims"].find(mine)}
    unclaimed = sum(1 for key in seen if key not in claims)
    return len(booked), twice, unclaimed


async def remove_run(database: Any, advisors: list[str]) -> None:
    """What a run on the seeded county added: its advisors, their bookings, claims, marks and
    busy-time entries (the county stays as seeded for the next run)."""
    mine = {"advisor_id": {"$in": advisors}}
    ids = [b["_id"] async for b in database["bookings"].find(mine, {"_id": 1})]
    await database["advisors"].delete_many({"_id": {"$in": advisors}})
    await database["bookings"].delete_many(mine)
    await database["claims"].delete_many(mine)
    await database["claims_pending"].delete_many(mine)  # marks: where the service keeps them
    await database["busy_times"].delete_many({"booking_id": {"$in": ids}})
    async for bucket in database["busy_times"].find({"office_id": OFFICE, "busy": {"$exists": 1}}):
        gone = {f"busy.{i}": "" for i in bucket.get("busy", {}) if i in set(ids)}
        if gone:
            await database["busy_times"].update_one({"_id": bucket["_id"]}, {"$unset": gone})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def scheduling(env: dict[str, str], port: int, logs: Path) -> AsyncIterator[str]:
    """Start scheduling, wait for /readyz, yield its base URL; always stop it again."""
    log_path = logs / "scheduling.log"
    log = await asyncio.to_thread(log_path.open, "wb")
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "hoppid.scheduling.main",
            env={**os.environ, **env},
            cwd=REPO,
            stdout=log,
            stderr=STDOUT,
        )
    finally:
        log.close()
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(process, base, log_path)
        yield base
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
                await process.wait()


async def wait_ready(process: Process, base: str, log: Path) -> None:
    deadline = time.monotonic() + 120
    async with httpx.AsyncClient(timeout=5) as client:
        while time.monotonic() < deadline:
            if process.returncode is not None:
                tail = (await asyncio.to_thread(log.read_text, errors="replace"))[-3000:]
                raise RuntimeError(f"scheduling exited with {process.returncode}:\n{tail}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"{base}/readyz")).status_code == 200:
                    return
            await asyncio.sleep(0.25)
    raise RuntimeError(f"scheduling not ready after 120 s; see {log}")


async def delete_topics(prefix: str) -> None:
    admin = AIOKafkaAdminClient(**client_options(SERVERS))
    await admin.start()
    try:
        ours = [t for t in await admin.list_topics() if t.startswith(prefix)]
        if ours:
            await admin.delete_topics(ours)
    finally:
        await admin.close()


def search_row(what: str, timed: Timed, found: int, floor: Timed | None = None) -> str:
    p50, p99 = (percentile(timed.latencies, f) * 1000 for f in (0.50, 0.99))
    errors = sum(n for status, n in timed.statuses.items() if status != "200")
    base = floor or timed
    r50, r99 = (p / (percentile(base.latencies, f) * 1000) for p, f in ((p50, 0.5), (p99, 0.99)))
    return (
        f"| {what} | {len(timed.latencies)} | {found} | {p50:.1f} | {p99:.1f} "
        f"| {r50:.1f} | {r99:.1f} | {errors} |"
    )


async def searches(client: httpx.AsyncClient, count: int, when: str, floor: Timed) -> list[str]:
    first = datetime.now(UTC).date() + timedelta(days=1)
    span = f"from={first}&to={first + timedelta(days=7 * WEEKS - 1)}&limit=500"
    rows = []
    for label, extra in (
        ("all", ""),
        ("language=en, topic=marketing, mode=digital", "&language=en&topic=marketing&mode=digital"),
    ):
        path = f"/v1/offices/{OFFICE}/slots?{span}{extra}"
        found = len((await client.get(path)).json())
        timed = await sequential(client, path, count)
        rows.append(search_row(f"slots, 8 weeks, {label} ({when})", timed, found, floor))
        print(rows[-1], file=sys.stderr)
    return rows


async def main(count: int, slots: int, racers: int, clients: int) -> None:
    run_id = uuid.uuid4().hex[:8]
    db_name, prefix, admin_key = f"bench_scheduling_{run_id}", f"bench-{run_id}.", uuid.uuid4().hex
    county = _database_safe(COUNTY)
    if COUNTY:  # the seeded county's database and vault; topics of this run's own
        db_name = f"{county}hoppid_scheduling"
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(MONGODB_URL, tz_aware=True)
    port = free_port()
    env = {
        "HOPPID_SCHEDULING_PORT": str(port),
        "HOPPID_DATABASE": db_name,
        "HOPPID_TOPIC_PREFIX": prefix,
        "HOPPID_SCHEDULING_ADMIN_KEY": admin_key,
        "HOPPID_LOG_LEVEL": "WARNING",
        "HOPPID_LINK_SECRET": uuid.uuid4().hex + uuid.uuid4().hex,  # a running service needs one
        **({"HOPPID_VAULT_DATABASE": f"{county}hoppid_vault"} if COUNTY else {}),
    }
    advisors: list[str] = []
    headers = {"Authorization": f"Bearer {admin_key}"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    try:
        with tempfile.TemporaryDirectory(prefix="hoppid-bench-") as tmp:
            async with (
                scheduling(env, port, Path(tmp)) as base,
                httpx.AsyncClient(
                    base_url=base, headers=headers, timeout=300, limits=limits
                ) as client,
            ):
                for n in range(ADVISORS):
                    made = await client.post(f"/v1/offices/{OFFICE}/advisors", json=advisor_form(n))
                    made.raise_for_status()
                    advisors.append(made.json()["id"])
                floor = await sequential(client, f"/v1/offices/{OFFICE}", count)
                rows = [
                    search_row("baseline: GET /v1/offices/{id} (key check, one read)", floor, 1)
                ]
                rows += await searches(client, count, "empty calendar", floor)
                targets = targets_for(advisors, slots)
                timed, won = await race(client, targets, racers, clients)
                # the key check again, as the peer of the searches over a full calendar
                floor = await sequential(client, f"/v1/offices/{OFFICE}", count)
                rows.append(search_row(f"baseline again ({len(won)} meetings booked)", floor, 1))
                rows += await searches(client, count, f"{len(won)} meetings booked", floor)
                booked, twice, unclaimed = await double_bookings(mongo[db_name], advisors)
    finally:
        with contextlib.suppress(Exception):
            if COUNTY:
                await remove_run(mongo[db_name], advisors)
            else:
                await mongo.drop_database(db_name)
        await mongo.close()
        with contextlib.suppress(Exception):
            await delete_topics(prefix)

    where = f"office {OFFICE} of the seeded county `{COUNTY}`" if COUNTY else "one office"
    print(
        f"Slot search: {ADVISORS} advisors added, {where}, {count} sequential searches per row.\n"
    )
    print(
        "| request | searches | slots found | p50 ms | p99 ms "
        "| p50 / key check's | p99 / key check's | errors |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    print()
    key_checks = len(floor.latencies) / floor.seconds
    print(booking_table(timed, won, booked, twice, unclaimed, key_checks, slots, racers, clients))


def booking_table(
    timed: Timed,
    won: list[str],
    booked: int,
    twice: int,
    unclaimed: int,
    key_checks: float,
    *sizes: int,
) -> str:
    slots, racers, clients = sizes
    rate = len(won) / timed.seconds
    p50, p99 = (percentile(timed.latencies, f) * 1000 for f in (0.50, 0.99))
    others = {s: n for s, n in timed.statuses.items() if s not in ("201", "409")}
    return (
        f"Bookings under contention: {slots} target times, each tried by {racers} clients, "
        f"{clients} concurrent clients; the key check of the same run answered "
        f"{key_checks:.1f} requests/s one after the other.\n\n"
        "| attempts | seconds | successful bookings | bookings/s | bookings/s / key checks/s "
        "| attempts/s | 409 | other "
        "| p50 ms | p99 ms | booked in store | cells booked twice | booked cells without claim |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|\n"
        f"| {len(timed.latencies)} | {timed.seconds:.2f} | {len(won)} "
        f"| {rate:.2f} | {rate / key_checks:.2f} | {len(timed.latencies) / timed.seconds:.2f} "
        f"| {timed.statuses['409']} | {others or 0} | {p50:.1f} | {p99:.1f} | {booked} "
        f"| {twice} | {unclaimed} |"
    )


def argument(position: int, variable: str, default: int) -> int:
    if len(sys.argv) > position:
        return int(sys.argv[position])
    return int(os.environ.get(variable, default))


if __name__ == "__main__":
    asyncio.run(
        main(
            argument(1, "SEARCHES", 50),
            argument(2, "SLOTS", 400),
            argument(3, "RACERS", 4),
            argument(4, "CLIENTS", 16),
        )
    )
