"""The staff case list at a county's size: `GET /v1/cases` (office + status, newest first, paged).

Runs against a county seeded by bench/seed_county.py (``--prefix``, ``county.`` by default):
intake runs as its own process (one uvicorn worker, log level warning) on that instance's
databases, an office key is issued for every office through intake's admin API (and revoked at
the end), and ``CONCURRENCY`` concurrent staff clients in this process send ``REQUESTS``
requests each way. In the same run, at the same concurrency:

1. ``GET /v1/cases?status=S&offset=O`` through intake: what a staff member's case list asks
   (their office, a status, the API's default page of 50, the first three pages);
2. ``GET /v1/cases`` with no status (the office's newest cases);
3. ``GET /v1/cases/{id}`` through intake: the same HTTP path, key check and store, one
   document by ``_id`` (the peer through the service);
4. the list's reads in this process, through intake's store (``IntakeStore.find_cases``:
   PyMongo, no HTTP), and, for a few requests, the list as it was before (one query sorted
   over all the office's matching cases, which FerretDB 1.24 sorts in its own process);
5. one case by ``_id`` straight through PyMongo (the store's floor).

Which office, status and page each request asks for comes from a seeded generator, weighted as
staff look (mostly the first page of the open statuses). Afterwards the store's plan of the
list's query is printed (FerretDB on PostgreSQL: PostgreSQL's EXPLAIN of the SQL it sends).

    .venv/bin/python bench/case_list.py [REQUESTS [CONCURRENCY]] [--prefix county.]

with ``HOPPID_MONGODB_URL`` and ``HOPPID_KAFKA_BOOTSTRAP_SERVERS`` pointing at the stack.
Writes a Markdown table and notes to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from pymongo import DESCENDING, AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

sys.path.insert(0, str(Path(__file__).resolve().parent))
from intake_throughput import free_port, percentile, server

from hoppid.intake.store import CASES, IntakeStore
from hoppid.shared.outbox import HIDE_OUTBOX
from hoppid.shared.settings import _database_safe

MONGODB_URL = os.environ.get("HOPPID_MONGODB_URL", "mongodb://127.0.0.1:27017/")
ADMIN_KEY = "hoppid-bench-case-list-admin"
PAGE = 50  # the API's default limit
BEFORE = 16  # requests of the list as one sorted query (seconds each on FerretDB 1.24)
# how often staff look at each status (the open ones most) and at each page
STATUSES = {"new": 30, "contacted": 25, "in_guidance": 25, "paused": 8, "closed": 7,
            "company_registered": 5}  # fmt: skip
PAGES = {0: 80, 1: 15, 2: 5}
Document = dict[str, Any]


@dataclass
class Run:
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    rows: int = 0  # cases returned, all requests together


async def measure(count: int, senders: int, one: Callable[[int], Awaitable[int]]) -> Run:
    """``count`` calls of ``one`` from ``senders`` concurrent tasks, each timed."""
    run = Run(latencies=[0.0] * count)
    numbers = iter(range(count))

    async def sender() -> None:
        for n in numbers:
            started = time.perf_counter()
            try:
                got = await one(n)
                run.rows += got
            except Exception as error:
                run.failures[type(error).__name__] += 1
            run.latencies[n] = time.perf_counter() - started

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(senders)))
    run.seconds = time.perf_counter() - started
    return run


def row(name: str, run: Run, count: int, senders: int, peer: Run | None = None) -> str:
    p50, p99 = (percentile(run.latencies, f) * 1000 for f in (0.50, 0.99))
    ratio = ""
    if peer is not None:
        peer50, peer99 = (percentile(peer.latencies, f) * 1000 for f in (0.50, 0.99))
        ratio = f"{p50 / peer50:.1f} / {p99 / peer99:.1f}"
    errors = sum(run.failures.values())
    detail = (
        f" ({', '.join(f'{k}: {v}' for k, v in sorted(run.failures.items()))})" if errors else ""
    )
    return (
        f"| {name} | {count} | {senders} | {count / run.seconds:,.1f} | {p50:.1f} | {p99:.1f} "
        f"| {ratio} | {run.rows / max(1, count):.1f} | {errors}{detail} |"
    )


@dataclass
class Asks:
    """The seeded sequence of (office, status, page) a run asks for."""

    offices: list[str]
    count: int
    seed: int = 7
    asks: list[tuple[str, str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        rng = random.Random(self.seed)  # noqa: S311 - which pages to ask for, not a secret
        statuses, pages = list(STATUSES), list(PAGES)
        self.asks = [
            (
                rng.choice(self.offices),
                rng.choices(statuses, list(STATUSES.values()))[0],
                rng.choices(pages, list(PAGES.values()))[0],
            )
            for _ in range(self.count)
        ]


async def issue_keys(
    client: httpx.AsyncClient, base: str, offices: list[str]
) -> dict[str, Document]:
    """An advisor key of every office: {office: {key, key_id, ...}}."""
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    keys: dict[str, Document] = {}
    for office in offices:
        answer = await client.post(
            f"{base}/v1/offices/{office}/keys",
            json={"role": "advisor", "label": "bench/case_list.py"},
            headers=admin,
        )
        answer.raise_for_status()
        keys[office] = answer.json()
    return keys


async def revoke_keys(client: httpx.AsyncClient, base: str, keys: dict[str, Document]) -> None:
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    for office, key in keys.items():
        await client.delete(f"{base}/v1/offices/{office}/keys/{key['key_id']}", headers=admin)


def list_query(office: str, status: str | None) -> Document:
    """The filter intake's find_cases sends for an office (and a status)."""
    query: Document = {"status": status} if status else {}
    return {**query, "office_id": office}


async def explain(database: AsyncDatabase[Document], query: Document) -> str:
    """The store's plan of the list's query (PostgreSQL's, on the local store)."""
    answer = await database.command(
        "explain",
        {
            "find": CASES,
            "filter": query,
            "sort": {"created_at": -1},
            "limit": PAGE,
        },
        verbosity="queryPlanner",
    )
    planner = answer.get("queryPlanner", {})
    plan = planner.get("Plan") if isinstance(planner, dict) else None

    def walk(node: Document, depth: int = 0) -> list[str]:
        cond = node.get("Index Cond") or node.get("Filter") or ""
        name = node.get("Index Name") or node.get("Relation Name") or ""
        line = f"{'  ' * depth}{node['Node Type']} {name} {cond}".rstrip()
        return [line] + [x for child in node.get("Plans", []) for x in walk(child, depth + 1)]

    if isinstance(plan, dict) and "Node Type" in plan:
        pushdown = {k: answer.get(k) for k in ("sortPushdown", "limitPushdown") if k in answer}
        return "\n".join(walk(plan)) + (f"\n{json.dumps(pushdown)}" if pushdown else "")
    return json.dumps(planner, default=str)[:2000]


async def main(count: int, senders: int, prefix: str) -> None:
    safe = _database_safe(prefix)
    mongo: AsyncMongoClient[Document] = AsyncMongoClient(MONGODB_URL)
    database = mongo[f"{safe}hoppid_intake"]
    if (
        await database["seeding"].find_one({"_id": "county", "finished_at": {"$exists": True}})
        is None
    ):
        raise SystemExit(f"{database.name} is not seeded: run bench/seed_county.py first")
    offices = sorted([o["_id"] async for o in database["offices"].find({}, {"_id": 1})])
    cases = await database[CASES].estimated_document_count()
    rng = random.Random(11)  # noqa: S311
    sample = [c async for c in database[CASES].find({}, {"_id": 1, "office_id": 1}).limit(5000)]
    by_id = [sample[rng.randrange(len(sample))] for _ in range(count)]
    asks = Asks(offices, count).asks
    rows: list[str] = []
    limits = httpx.Limits(max_connections=senders, max_keepalive_connections=senders)
    try:
        with tempfile.TemporaryDirectory(prefix="hoppid-bench-") as tmp:
            port = free_port()
            env = {
                "HOPPID_INTAKE_PORT": str(port),
                "HOPPID_TOPIC_PREFIX": prefix,
                "HOPPID_INTAKE_ADMIN_KEY": ADMIN_KEY,
                "HOPPID_LINK_SECRET": os.environ.get("HOPPID_LINK_SECRET", ADMIN_KEY * 2),
                "HOPPID_LOG_LEVEL": "WARNING",
            }
            command = [sys.executable, "-m", "hoppid.intake.main"]
            async with (
                httpx.AsyncClient(timeout=60, limits=limits) as client,
                server("intake", command, env, port, Path(tmp)) as base,
            ):
                keys = await issue_keys(client, base, offices)
                try:
                    runs = await measure_all(client, base, database, keys, asks, by_id, senders)
                finally:
                    await revoke_keys(client, base, keys)
        whole = await explain(database, list_query("alesund", "in_guidance"))
        month = {**list_query("alesund", "in_guidance"), "created_month": "2026-11"}
        plan = await explain(database, month)
    finally:
        await mongo.close()
    rows = [
        row(
            "intake GET /v1/cases?status=S (page of 50)",
            runs["list"],
            count,
            senders,
            runs["api_id"],
        ),
        row(
            "intake GET /v1/cases (no status, page of 50)",
            runs["all"],
            count,
            senders,
            runs["api_id"],
        ),
        row("intake GET /v1/cases/{id} (peer)", runs["api_id"], count, senders),
        row("intake's store: find_cases (PyMongo)", runs["query"], count, senders, runs["find_id"]),
        row("PyMongo: find_one by _id (peer)", runs["find_id"], count, senders),
        row(
            "PyMongo: the list as one sorted query (before)",
            runs["before"],
            BEFORE,
            senders,
            runs["find_id"],
        ),
    ]
    print(
        "| what | requests | concurrency | per s | p50 ms | p99 ms | p50 / p99 as multiple of "
        "its peer | cases per answer | errors |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    print("\n".join(rows))
    print()
    print(f"The county: {cases:,} cases in {len(offices)} offices.")
    print()
    print("The store's plan of one month's query (alesund, in_guidance, 2026-11, newest 50):\n")
    print("```\n" + plan + "\n```")
    print()
    print("and of the list as one query before (alesund, in_guidance, newest 50):\n")
    print("```\n" + whole + "\n```")


async def measure_all(
    client: httpx.AsyncClient,
    base: str,
    database: AsyncDatabase[Document],
    keys: dict[str, Document],
    asks: list[tuple[str, str, int]],
    by_id: list[Document],
    senders: int,
) -> dict[str, Run]:
    headers = {o: {"Authorization": f"Bearer {k['key']}"} for o, k in keys.items()}

    async def api_list(n: int, with_status: bool = True) -> int:
        office, status, page = asks[n]
        params: dict[str, Any] = {"limit": PAGE, "offset": page * PAGE}
        if with_status:
            params["status"] = status
        answer = await client.get(f"{base}/v1/cases", params=params, headers=headers[office])
        answer.raise_for_status()
        return len(answer.json())

    async def api_all(n: int) -> int:
        return await api_list(n, with_status=False)

    async def api_id(n: int) -> int:
        case = by_id[n]
        answer = await client.get(
            f"{base}/v1/cases/{case['_id']}", headers=headers[case["office_id"]]
        )
        answer.raise_for_status()
        return 1

    store = IntakeStore(database, "unused")
    newest = datetime.now(UTC) + timedelta(days=1)

    async def query(n: int) -> int:
        """The list's reads in this process: intake's store, straight to PyMongo."""
        office, status, page = asks[n]
        found = await store.find_cases(office, {"status": status}, PAGE, page * PAGE, newest=newest)
        return len(found)

    async def before(n: int) -> int:
        """The list's query as it was: one sorted query over the office's matching cases."""
        office, status, page = asks[n]
        cursor = (
            database[CASES]
            .find(list_query(office, status), {**HIDE_OUTBOX, "notes": 0})
            .sort("created_at", DESCENDING)
            .skip(page * PAGE)
            .limit(PAGE)
        )
        return len([c async for c in cursor])

    async def find_id(n: int) -> int:
        case = by_id[n]
        found = await database[CASES].find_one({"_id": case["_id"]}, HIDE_OUTBOX)
        return 1 if found else 0

    count = len(asks)
    warm = min(50, count)
    runs: dict[str, Run] = {}
    for name, one in (
        ("api_id", api_id),
        ("list", api_list),
        ("all", api_all),
        ("find_id", find_id),
        ("query", query),
    ):
        await measure(warm, senders, one)  # warm-up: connections, caches, the store's plans
        runs[name] = await measure(count, senders, one)
        print(f"{name}: done", file=sys.stderr)
    runs["before"] = await measure(BEFORE, senders, before)  # seconds each: a few only
    return runs


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="the staff case list at a county's size")
    parser.add_argument(
        "requests", nargs="?", type=int, default=int(os.environ.get("REQUESTS", 500))
    )
    parser.add_argument(
        "concurrency", nargs="?", type=int, default=int(os.environ.get("CONCURRENCY", 8))
    )
    parser.add_argument("--prefix", default="county.")
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse(sys.argv[1:])
    asyncio.run(main(arguments.requests, arguments.concurrency, arguments.prefix))
