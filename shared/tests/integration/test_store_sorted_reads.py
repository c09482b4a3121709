"""Sorted reads come back in MongoDB's order, whatever types the sorted field holds.

The local store sorts in PostgreSQL when it can order the field's values as BSON does
(deploy/local/ferretdb/sort-pushdown.patch, decision 0008) and in FerretDB's process otherwise;
either way the answer must be MongoDB's. The expected order here is BSON's, written out:
null and missing first, then numbers, strings (byte order), ObjectIds, booleans, dates.
On MongoDB the same tests hold; the plan checks are the local store's only.
"""

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId
from pymongo.asynchronous.database import AsyncDatabase

from hoppid.shared.mongo import IndexSpec, apply_indexes

Db = AsyncDatabase[dict[str, Any]]

START = datetime(2021, 12, 1, tzinfo=UTC)
MISSING = object()

# BSON's rank of each type a sort compares first (MongoDB's "comparison/sort order").
RANKS = {type(None): 1, int: 2, float: 2, str: 3, ObjectId: 7, bool: 8, datetime: 9}


def bson_key(value: Any) -> tuple[int, Any]:
    if value is MISSING or value is None:
        return (1, 0)
    if isinstance(value, str):
        return (3, value.encode())
    if isinstance(value, ObjectId):
        return (7, value.binary)
    return (RANKS[type(value)], value)


def scalar(rng: random.Random, n: int) -> Any:
    """A value of one of the scalar types, distinct from every other document's."""
    kind = n % 8
    if kind == 0:
        return MISSING
    if kind == 1:
        return None
    if kind == 2:
        return rng.randint(-(10**6), 10**6) * 1000 + n  # ints, distinct
    if kind == 3:
        return rng.uniform(-1e6, 1e6) + n / 1e3
    if kind == 4:
        return rng.choice(["", "a", "B", "b", "Å", "z", "ø", "10", "9"]) + f"-{n:05d}"
    if kind == 5:
        return ObjectId(f"{rng.getrandbits(64):016x}{n:08x}")
    if kind == 6:
        return n % 16 == 6  # a few trues and falses: ties, compared only by rank and value
    return START + timedelta(minutes=rng.randint(0, 10**6), milliseconds=n)


async def fill(database: Db, count: int, seed: int, odd: Any = MISSING) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    documents = []
    for n in range(count):
        document: dict[str, Any] = {"_id": f"d{n:05d}", "office_id": f"o{n % 3}"}
        value = scalar(rng, n)
        if value is not MISSING:
            document["v"] = value
        documents.append(document)
    if odd is not MISSING:
        documents[7]["v"] = odd
    await apply_indexes(database, [IndexSpec("items", ["office_id", "v"])])
    await database["items"].insert_many(documents)
    return documents


def expected(documents: list[dict[str, Any]], office: str, descending: bool) -> list[Any]:
    chosen = [d.get("v", MISSING) for d in documents if d["office_id"] == office]
    return sorted(chosen, key=bson_key, reverse=descending)


def keys(values: list[Any]) -> list[tuple[int, Any]]:
    return [bson_key(v) for v in values]


@pytest.mark.parametrize("descending", [False, True])
async def test_a_sorted_page_of_mixed_scalar_types_is_in_bson_order(
    database: Db, descending: bool
) -> None:
    documents = await fill(database, 1200, seed=11)
    direction = -1 if descending else 1
    for limit in (1, 20, 400):
        cursor = database["items"].find({"office_id": "o1"}).sort("v", direction).limit(limit)
        answer = [d.get("v", MISSING) async for d in cursor]
        assert keys(answer) == keys(expected(documents, "o1", descending)[:limit])


async def test_a_compound_sort_orders_by_each_field_in_turn(database: Db) -> None:
    documents = await fill(database, 600, seed=12)
    cursor = database["items"].find({}).sort([("office_id", 1), ("v", -1)]).limit(300)
    answer = [(d["office_id"], d.get("v", MISSING)) async for d in cursor]
    want = [
        (office, value)
        for office in sorted({d["office_id"] for d in documents})
        for value in expected(documents, office, descending=True)
    ][:300]
    assert [(office, bson_key(value)) for office, value in answer] == [
        (office, bson_key(value)) for office, value in want
    ]


@pytest.mark.parametrize("odd", [[5, "a"], {"x": 1}, b"\x00\x01"])
async def test_a_value_postgresql_cannot_order_is_still_sorted_right(
    database: Db, odd: Any
) -> None:
    """An array, a document or binary data in the sorted field: sorted as MongoDB sorts it."""
    documents = await fill(database, 300, seed=13, odd=odd)
    office = documents[7]["office_id"]
    plain = [
        d.get("v", MISSING) for d in documents if d["office_id"] == office and d["_id"] != "d00007"
    ]
    cursor = database["items"].find({"office_id": office, "_id": {"$ne": "d00007"}}).sort("v", 1)
    assert keys([d.get("v", MISSING) async for d in cursor]) == keys(sorted(plain, key=bson_key))
    # With the odd document selected too, every document still comes back once.
    everything = [
        d["_id"] async for d in database["items"].find({"office_id": office}).sort("v", 1)
    ]
    assert "d00007" in everything and len(everything) == len(plain) + 1


@pytest.fixture
async def local_store(database: Db) -> Db:
    build = await database.client.admin.command("buildInfo")
    if "ferretdbVersion" not in build:
        pytest.skip("the store is MongoDB: it sorts and limits by the declared index itself")
    return database


async def pushed_down(database: Db, query: dict[str, Any]) -> tuple[bool, bool]:
    """(sorted, limited) by PostgreSQL, as the local store's explain says."""
    answer = await database.command(
        "explain", {"find": "items", "filter": query, "sort": {"v": -1}, "limit": 5}
    )
    return bool(answer["sortPushdown"]), bool(answer["limitPushdown"])


async def test_the_local_store_sorts_scalar_fields_in_postgresql(local_store: Db) -> None:
    database = local_store
    await fill(database, 300, seed=14)

    async def pushed(query: dict[str, Any]) -> bool:
        return (await pushed_down(database, query))[0]

    assert await pushed({"office_id": "o2"})
    await database["items"].insert_one({"_id": "with-array", "office_id": "o2", "v": [1, 2]})
    assert not await pushed({"office_id": "o2"}), "an array in the field: FerretDB sorts"
    assert await pushed({"office_id": "o1"}), "only the documents the filter selects count"


async def test_a_page_of_string_equalities_is_right_when_a_field_holds_other_types(
    database: Db,
) -> None:
    """{office_id: "o1"} also matches an array holding "o1"; an ObjectId is no string."""
    documents = await fill(database, 400, seed=15)
    extra = [
        {"_id": "in-array", "office_id": ["o0", "o1"], "v": START + timedelta(days=5000)},
        {"_id": "object-id", "office_id": ObjectId(), "v": START + timedelta(days=5001)},
    ]
    await database["items"].insert_many(extra)
    cursor = database["items"].find({"office_id": "o1"}).sort("v", -1).limit(3)
    answer = [d["_id"] async for d in cursor]
    dates = sorted(
        (d for d in documents if d["office_id"] == "o1" and isinstance(d.get("v"), datetime)),
        key=lambda d: d["v"],
        reverse=True,
    )
    assert answer == ["in-array", *(d["_id"] for d in dates[:2])]


async def test_the_local_store_limits_a_sorted_page_in_postgresql(local_store: Db) -> None:
    database = local_store
    await fill(database, 300, seed=16)

    async def limited(query: dict[str, Any]) -> bool:
        return await pushed_down(database, query) == (True, True)

    assert await limited({"office_id": "o2"})
    assert await limited({"office_id": {"$eq": "o2"}})
    assert not await limited({"office_id": "o2", "v": {"$ne": None}}), "not only equalities"
    await database["items"].insert_one({"_id": "listed", "office_id": ["o2"], "v": 1})
    assert not await limited({"office_id": "o2"}), "an array holds the value: not exact"


async def test_a_sorted_page_of_several_values_is_in_bson_order(database: Db) -> None:
    """{office_id: {$in: [...]}}: the local store reads it through the indexes, like equality."""
    documents = await fill(database, 900, seed=17)
    await database["items"].insert_one({"_id": "in-array", "office_id": ["o9", "o2"], "v": 10**12})
    cursor = database["items"].find({"office_id": {"$in": ["o0", "o2"]}}).sort("v", -1).limit(120)
    answer = [d.get("v", MISSING) async for d in cursor]
    chosen = [d.get("v", MISSING) for d in documents if d["office_id"] in ("o0", "o2")]
    want = sorted([*chosen, 10**12], key=bson_key, reverse=True)[:120]
    assert keys(answer) == keys(want)
    empty = database["items"].find({"office_id": {"$in": []}}).sort("v", 1).limit(5)
    assert [d async for d in empty] == []


async def test_the_local_store_limits_a_page_of_several_values_in_postgresql(
    local_store: Db,
) -> None:
    await fill(local_store, 300, seed=18)
    query = {"office_id": {"$in": ["o1", "o2"]}}
    assert await pushed_down(local_store, query) == (True, True)
