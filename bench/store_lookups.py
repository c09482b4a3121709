"""Look-ups on the store at a realistic size, through the MongoDB protocol (decisions/0005).

    python bench/store_lookups.py [DOCUMENTS] [SAMPLES]

Fills a throwaway database (dropped afterwards) with DOCUMENTS cases shaped like intake's (50
offices, 5 statuses), declares indexes the way the services do (``apply_indexes``), then times
SAMPLES random look-ups of each kind. The baseline in the same run is a look-up by a field with no
declared index, which the store can only answer by reading the whole collection. Prints a
markdown table. The store: HOPPID_MONGODB_URL, default mongodb://127.0.0.1:27017/.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from hoppid.shared.mongo import IndexSpec, apply_indexes, make_mongo_client

STATUSES = ["open", "waiting", "booked", "closed", "dropped"]
RNG = random.Random(5)  # noqa: S311 - which documents to look up, seeded: not a secret


def case(n: int) -> dict[str, Any]:
    return {
        "_id": f"case-{n:07d}",
        "office_id": f"office-{n % 50}",
        "status": STATUSES[n % 5],
        "person_id": f"person-{n:07d}",
        "reference": f"R-{n:07d}",
        "unindexed_ref": f"U-{n:07d}",
        "created_at": f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}T10:00:00Z",
        "notes": "x" * 300,
    }


async def timed(samples: int, look_up: Callable[[int], Awaitable[Any]], size: int) -> list[float]:
    times = []
    for _ in range(samples):
        n = RNG.randrange(size)
        started = time.perf_counter()
        found = await look_up(n)
        times.append((time.perf_counter() - started) * 1000)
        assert found, "the look-up found nothing"
    return times


def row(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"| {name} | {statistics.median(ordered):.2f} | {p99:.2f} | {len(ordered)} |"


async def main(size: int, samples: int) -> None:
    url = os.environ.get("HOPPID_MONGODB_URL", "mongodb://127.0.0.1:27017/")
    client = make_mongo_client(url)
    name = f"bench_lookups_{uuid.uuid4().hex[:8]}"
    cases = client[name]["cases"]
    try:
        await apply_indexes(
            client[name],
            [
                IndexSpec("cases", ["reference"], unique=True, name="unique_reference"),
                IndexSpec("cases", ["office_id", "status"]),
                IndexSpec("cases", ["person_id"]),
            ],
        )
        started = time.perf_counter()
        for first in range(0, size, 1000):
            await cases.insert_many([case(n) for n in range(first, min(size, first + 1000))])
        load = time.perf_counter() - started

        async def by_id(n: int) -> Any:
            return await cases.find_one({"_id": f"case-{n:07d}"})

        async def by_person(n: int) -> Any:
            return await cases.find_one({"person_id": f"person-{n:07d}"})

        async def update(n: int) -> Any:
            result = await cases.update_one({"_id": f"case-{n:07d}"}, {"$inc": {"views": 1}})
            return result.matched_count

        async def office_list(n: int) -> Any:
            query = {"office_id": f"office-{n % 50}", "status": STATUSES[n % 5]}
            return await cases.find(query).sort("created_at", -1).limit(20).to_list()

        async def unindexed(n: int) -> Any:
            return await cases.find_one({"unindexed_ref": f"U-{n:07d}"})

        rows = [
            row("find by `_id`", await timed(samples, by_id, size)),
            row("find by `person_id` (declared index)", await timed(samples, by_person, size)),
            row("update by `_id` (`$inc`)", await timed(samples, update, size)),
            row(
                "office + status, sorted by `created_at`, limit 20",
                await timed(max(10, samples // 10), office_list, size),
            ),
            row(
                "baseline: find by a field without an index",
                await timed(max(5, samples // 20), unindexed, size),
            ),
        ]
        build = await client.admin.command("buildInfo")
        store = f"FerretDB {build['ferretdbVersion']}" if "ferretdbVersion" in build else "MongoDB"
        print(f"{size:,} documents, loaded in {load:.1f} s; {store} {build['version']}; ms\n")
        print("| look-up | p50 | p99 | samples |\n|---|---|---|---|")
        print("\n".join(rows))
    finally:
        await client.drop_database(name)
        await client.close()


if __name__ == "__main__":
    arguments = [int(a) for a in sys.argv[1:3]]
    asyncio.run(main(*(arguments + [100_000, 400][len(arguments) :])))
