"""The local store answers look-ups from the declared indexes (GUIDE.md section 5: check the plan).

On FerretDB on PostgreSQL the plan is PostgreSQL's own: FerretDB's ``explain`` runs EXPLAIN on the
SQL its ``find`` sends (``_jsonb->'field' @> value``). The indexes that SQL can use are made by the
local stack from the declared ones (deploy/local/ferretdb/gin-indexes.sql), so this checks the
declaration and the stack together. MongoDB plans with the declared indexes by itself: skipped.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from hoppid.shared.mongo import IndexSpec, apply_indexes

Db = AsyncDatabase[dict[str, Any]]
Plan = dict[str, Any]

# Enough documents that reading the whole table costs PostgreSQL more than an index would.
DOCUMENTS = 5000
INDEX_SCANS = {"Index Scan", "Index Only Scan", "Bitmap Index Scan"}


async def postgres_plan(database: Db, collection: str, query: dict[str, Any]) -> Plan:
    answer = await database.command(
        "explain", {"find": collection, "filter": query}, verbosity="queryPlanner"
    )
    planner: Plan = answer["queryPlanner"]
    return planner


def nodes(plan: Plan) -> Iterator[Plan]:
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def scans(planner: Plan) -> list[tuple[str, str]]:
    """(node type, index condition or filter) of every scan in PostgreSQL's plan."""
    return [
        (node["Node Type"], node.get("Index Cond") or node.get("Filter") or "")
        for node in nodes(planner["Plan"])
        if node["Node Type"].endswith("Scan")
    ]


@pytest.fixture
async def ferretdb_on_postgresql(database: Db) -> Db:
    build = await database.client.admin.command("buildInfo")
    if "ferretdbVersion" not in build:
        pytest.skip(
            "the store is MongoDB (mongod or HOPPID_MONGODB_URL), not the local stack's FerretDB "
            "on PostgreSQL: MongoDB uses the declared indexes itself and shows no PostgreSQL plan"
        )
    await database["probe"].insert_one({"_id": "probe"})
    plan = (await postgres_plan(database, "probe", {"_id": "probe"})).get("Plan")
    if not (isinstance(plan, dict) and "Node Type" in plan):
        pytest.skip(
            f"the store is FerretDB {build['ferretdbVersion']} but not on PostgreSQL (a stack "
            "started before the store moved to PostgreSQL? 'make down' and 'make up' replace it)"
        )
    return database


async def test_look_ups_by_declared_fields_use_an_index(ferretdb_on_postgresql: Db) -> None:
    database = ferretdb_on_postgresql
    await apply_indexes(
        database,
        [IndexSpec("cases", ["office_id", "status"]), IndexSpec("cases", ["person_id"])],
    )
    await database["cases"].insert_many(
        {
            "_id": f"case-{n}",
            "office_id": f"office-{n % 50}",
            "status": ["open", "closed", "waiting", "moved", "dropped"][n % 5],
            "person_id": f"person-{n}",
            "reference": f"ref-{n}",
        }
        for n in range(DOCUMENTS)
    )

    for query, field in [
        ({"person_id": "person-4321"}, "person_id"),
        ({"_id": "case-17"}, "_id"),
        ({"office_id": "office-7", "status": "waiting"}, "office_id"),
    ]:
        found = scans(await postgres_plan(database, "cases", query))
        assert any(kind in INDEX_SCANS and f"'{field}'" in cond for kind, cond in found), (
            f"find {query} on FerretDB/PostgreSQL: no index scan on {field} in {found}"
        )
        assert not any(kind == "Seq Scan" for kind, _ in found), (
            f"find {query} reads it all: {found}"
        )
        assert await database["cases"].find_one(query) is not None

    # The check can fail: a field no index was declared for is read from the whole table.
    unindexed = scans(await postgres_plan(database, "cases", {"reference": "ref-99"}))
    assert [kind for kind, _ in unindexed] == ["Seq Scan"], unindexed


async def test_an_index_declared_on_a_filled_collection_is_used(ferretdb_on_postgresql: Db) -> None:
    database = ferretdb_on_postgresql
    await database["people"].insert_many(
        {"_id": n, "email": f"p{n}@example.no"} for n in range(DOCUMENTS)
    )
    await apply_indexes(database, [IndexSpec("people", ["email"], unique=True)])
    found = scans(await postgres_plan(database, "people", {"email": "p123@example.no"}))
    assert any(kind in INDEX_SCANS and "'email'" in cond for kind, cond in found), found
