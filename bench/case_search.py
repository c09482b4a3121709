"""The staff's search at a county's size, against the plain case list read in the same run.

Fills a database of its own (``bench_search_hoppid_intake``, dropped first) with a county's
size of cases as intake stores them: 50,000 cases of 40,000 people over the eight offices,
each municipality weighted by its population (bench/seed_county.py's weights, so the largest
office holds about 15,800), five years of dates, each case with the ``search_keys`` intake
gives it (search.py) from a made-up name (40 first names, 40 surnames: a surname is shared by
about one person in 40), email and phone; intake's declared indexes. Then, for the largest
office, ``REQUESTS`` calls of each from ``CONCURRENCY`` tasks, through intake's handlers and
store in this process (PyMongo, no HTTP):

1. the case list's first page (``find_cases``, no filter: 50 newest) — the peer;
2. one case by ``_id`` (the store's floor);
3. searches: a case reference, an email, a phone as staff type it (``912 34 567``), a whole
   surname (a common one), two words' beginnings (``kar hans``).

Prints a Markdown table (p50/p99 and each row's ratio to the list's) and the store's plans of
the search's queries (FerretDB on PostgreSQL: PostgreSQL's EXPLAIN of the SQL it sends).

    .venv/bin/python bench/case_search.py [REQUESTS [CONCURRENCY]] [--keep]

with ``HOPPID_MONGODB_URL`` pointing at the stack. ``--keep`` reuses a database filled before.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

sys.path.insert(0, str(Path(__file__).resolve().parent))
from case_list import Run, explain, measure, row
from seed_county import END, FULL_CASES, FULL_PEOPLE, POPULATION, START

from hoppid.intake import search
from hoppid.intake.cases import use_cases as case_use_cases
from hoppid.intake.context import Context
from hoppid.intake.model import NEEDS, STATUSES, case_reference
from hoppid.intake.store import CASES, INDEXES, PEOPLE, IntakeStore, month_of
from hoppid.shared.access import Staff
from hoppid.shared.mongo import apply_indexes
from hoppid.shared.pii import PersonalDataVault
from hoppid.shared.tenancy import load_registry

MONGODB_URL = os.environ.get("HOPPID_MONGODB_URL", "mongodb://127.0.0.1:27017/")
DATABASE = "bench_search_hoppid_intake"
SECRET = "bench-case-search-secret-0123456789abcdef"  # noqa: S105 - the bench's own
PAGE = 50
FIRST = [
    "kari",
    "ingrid",
    "anne",
    "marit",
    "liv",
    "hilde",
    "silje",
    "ida",
    "nora",
    "emma",
    "sara",
    "hanne",
    "tone",
    "ragnhild",
    "ola",
    "per",
    "lars",
    "jon",
    "knut",
    "arne",
    "bjørn",
    "erik",
    "hans",
    "terje",
    "geir",
    "odd",
    "rune",
    "tor",
    "magnus",
    "jakob",
    "sindre",
    "eirik",
    "øyvind",
    "åse",
    "sigrid",
    "solveig",
    "jørgen",
    "håkon",
    "vegard",
]
LAST = [
    "hansen",
    "johansen",
    "olsen",
    "larsen",
    "andersen",
    "pedersen",
    "nilsen",
    "kristiansen",
    "jensen",
    "karlsen",
    "johnsen",
    "pettersen",
    "eriksen",
    "berg",
    "haugen",
    "hagen",
    "johannessen",
    "andreassen",
    "jacobsen",
    "dahl",
    "jørgensen",
    "halvorsen",
    "henriksen",
    "lund",
    "sørensen",
    "jakobsen",
    "moen",
    "gundersen",
    "iversen",
    "strand",
    "solberg",
    "svendsen",
    "eide",
    "knutsen",
    "martinsen",
    "paulsen",
    "bakken",
    "kristoffersen",
    "mathisen",
    "ødegård",
]
Document = dict[str, Any]


def typed(phone: str) -> str:
    """An 8-digit number as people write it: 912 34 567."""
    return f"{phone[:3]} {phone[3:5]} {phone[5:]}"


def people(rng: random.Random, count: int) -> list[Document]:
    made = []
    for n in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        made.append(
            {
                "_id": str(uuid.UUID(int=rng.getrandbits(128))),
                "name": f"{first.capitalize()} {last.capitalize()}",
                "email": f"{first}.{last}.{n}@example.no",
                "phone": f"+47{rng.randrange(40_000_000, 99_999_999)}",
                "language": "nb",
            }
        )
    return made


def cases(rng: random.Random, count: int, who: list[Document]) -> list[Document]:
    registry = load_registry()
    office_of = {m: office.id for office in registry for m in office.municipalities}
    numbers = sorted(POPULATION)
    weights = [POPULATION[n] for n in numbers]
    made = []
    for n in range(count):
        person = who[n] if n < len(who) else rng.choice(who)  # a fifth came back
        case_id = str(uuid.UUID(int=rng.getrandbits(128)))
        municipality = rng.choices(numbers, weights)[0]
        created = START + timedelta(seconds=rng.randrange(int((END - START).total_seconds())))
        made.append(
            {
                "_id": case_id,
                "reference": case_reference(case_id),
                "person_id": person["_id"],
                "office_id": office_of[municipality],
                "municipality": municipality,
                "idea": "An idea of about two hundred characters. " * 5,
                "needs": rng.sample(NEEDS, 2),
                "status": rng.choice(STATUSES),
                "notes": [],
                "created_at": created,
                "updated_at": created,
                "created_month": month_of(created),
                "search_keys": search.keys_of_person(SECRET, person),
            }
        )
    return made


async def fill(database: AsyncDatabase[Document]) -> tuple[list[Document], list[Document]]:
    rng = random.Random(5)  # noqa: S311 - made-up people, the same every run
    who = people(rng, FULL_PEOPLE)
    all_cases = cases(rng, FULL_CASES, who)
    await apply_indexes(database, INDEXES)
    for start in range(0, len(who), 1000):
        await database[PEOPLE].insert_many(who[start : start + 1000])
    for start in range(0, len(all_cases), 1000):
        await database[CASES].insert_many(all_cases[start : start + 1000])
    return who, all_cases


async def main(count: int, senders: int, keep: bool) -> None:
    mongo: AsyncMongoClient[Document] = AsyncMongoClient(MONGODB_URL)
    database = mongo[DATABASE]
    try:
        started = time.perf_counter()
        if keep and await database[CASES].estimated_document_count() == FULL_CASES:
            who = await database[PEOPLE].find({}).to_list()
            all_cases = await database[CASES].find({}, {"search_keys": 0}).to_list()
        else:
            await mongo.drop_database(DATABASE)
            who, all_cases = await fill(database)
        print(f"{len(all_cases):,} cases of {len(who):,} people ready in "
              f"{time.perf_counter() - started:.1f} s\n")  # fmt: skip
        await measure_all(database, who, all_cases, count, senders)
    finally:
        await mongo.close()


async def measure_all(
    database: AsyncDatabase[Document],
    who: list[Document],
    all_cases: list[Document],
    count: int,
    senders: int,
) -> None:
    sizes: dict[str, int] = {}
    for case in all_cases:
        sizes[case["office_id"]] = sizes.get(case["office_id"], 0) + 1
    office = max(sizes, key=lambda o: sizes[o])
    staff = Staff("bench", office, "advisor")
    store = IntakeStore(database, "bench.hoppid.intake")
    ctx = Context(
        store=store,
        link_secret=SECRET,
        link_days=90,
        notify=lambda: None,
        vault=cast(PersonalDataVault, None),  # a search seals nothing
        now=lambda: END,
    )
    mine = [c for c in all_cases if c["office_id"] == office]
    person_of = {p["_id"]: p for p in who}
    rng = random.Random(9)  # noqa: S311 - which cases to look for
    picks = [rng.choice(mine) for _ in range(count)]
    phones = [person_of[c["person_id"]]["phone"][3:] for c in picks]

    def finds(query: Callable[[int], str]) -> Callable[[int], Awaitable[int]]:
        async def one(n: int) -> int:
            return len(await case_use_cases.search_cases(ctx, staff, query(n), PAGE))

        return one

    async def listed(n: int) -> int:
        return len(await case_use_cases.find_cases(ctx, staff, {}, PAGE, 0))

    async def by_id(n: int) -> int:
        return int(await store.case(office, picks[n]["_id"]) is not None)

    runs: list[tuple[str, Callable[[int], Awaitable[int]]]] = [
        ("case list, first page of 50 (peer)", listed),
        ("one case by _id (floor)", by_id),
        ("search: case reference", finds(lambda n: picks[n]["reference"])),
        ("search: email", finds(lambda n: person_of[picks[n]["person_id"]]["email"])),
        ("search: phone, typed 912 34 567", finds(lambda n: typed(phones[n]))),
        ("search: a common surname (hansen)", finds(lambda n: "hansen")),
        ("search: two words' beginnings (kar hans)", finds(lambda n: "kar hans")),
        ("search: a whole name (kari hansen)", finds(lambda n: "kari hansen")),
    ]
    print(f"Office {office}: {sizes[office]:,} cases; {count} requests per row, "
          f"{senders} concurrent.\n")  # fmt: skip
    print("| path | requests | concurrency | requests/s | p50 ms | p99 ms "
          "| p50 / p99 ratio to the list | cases per answer | errors |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    peer: Run | None = None
    for name, one in runs:
        run = await measure(count, senders, one)
        print(row(name, run, count, senders, peer), flush=True)
        peer = peer or run
    email_key = search.keys_of_person(SECRET, person_of[picks[0]["person_id"]])[0]
    name_key = search.search_key(SECRET, "n", "hansen")
    for what, key in (("one key (email)", email_key), ("a common surname", name_key)):
        plan = await explain(database, {"office_id": office, "search_keys": key})
        print(f"\nThe store's plan of the search's query ({what}):\n\n```\n{plan}\n```")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("requests", nargs="?", type=int, default=200)
    parser.add_argument("concurrency", nargs="?", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="reuse the database if filled")
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse(sys.argv[1:])
    asyncio.run(main(args.requests, args.concurrency, args.keep))
