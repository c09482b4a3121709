"""The staff case list reads a month at a time and still lists every case, newest first.

Against the real store: cases over three years (some months empty, one month full), each page
(read by months, several at once when sparse) compared with the same cases sorted in
Python; the day filters; cases written before
``created_month`` existed get it from the one-time pass and are listed again."""

from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from hoppid.intake.store import CASES, IntakeStore, month_of, months_back

Db = AsyncDatabase[dict[str, Any]]
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def case(n: int, at: datetime, office: str = "nordveggen", status: str = "new") -> dict[str, Any]:
    return {
        "_id": f"case-{office}-{n}",
        "reference": f"REF-{office}-{n}",
        "person_id": f"person-{n}",
        "office_id": office,
        "municipality": "1539",
        "status": status,
        "notes": [{"text": "kept out of the list"}],
        "created_at": at,
    }


async def listed(store: IntakeStore, filters: dict[str, Any], limit: int, offset: int) -> list[str]:
    found = await store.find_cases("nordveggen", filters, limit, offset, newest=NOW)
    assert all("notes" not in c and "outbox" not in c for c in found)
    return [c["_id"] for c in found]


def test_months_back_walks_newest_first_across_years() -> None:
    assert months_back(datetime(2025, 2, 3, tzinfo=UTC), datetime(2024, 11, 30, tzinfo=UTC)) == [
        "2025-02",
        "2025-01",
        "2024-12",
        "2024-11",
    ]
    assert month_of(datetime(2026, 1, 31, 23, 30)) == "2026-01"  # stored times are UTC


async def test_pages_are_the_newest_first_order_of_all_matching_cases(database: Db) -> None:
    store = IntakeStore(database, "test.hoppid.intake")
    moments = [NOW - timedelta(days=d, hours=h) for d, h in ((0, 1), (1, 2), (3, 0), (40, 5))]
    moments += [NOW - timedelta(days=400 + 3 * n) for n in range(30)]  # a dense month last year
    moments += [NOW - timedelta(days=1000 + 70 * n) for n in range(5)]  # sparse, years ago
    cases = [case(n, at, status="new" if n % 3 else "closed") for n, at in enumerate(moments)]
    cases.append(case(999, NOW - timedelta(days=2), office="molde"))  # another office's
    for c in cases:
        assert await store.insert_case(c, [])

    ours = sorted((c for c in cases if c["office_id"] == "nordveggen"),
                  key=lambda c: c["created_at"], reverse=True)  # fmt: skip
    for filters in ({}, {"status": "new"}, {"status": "closed"}):
        expected = [c["_id"] for c in ours if filters.get("status", c["status"]) == c["status"]]
        for limit, offset in ((5, 0), (5, 5), (7, 14), (50, 0), (3, len(expected) - 2)):
            assert await listed(store, filters, limit, offset) == expected[offset : offset + limit]
    assert await listed(store, {"status": "paused"}, 10, 0) == []

    since = NOW - timedelta(days=500)
    window = await store.find_cases(
        "nordveggen", {"created_at": {"$gte": since}}, 100, 0, newest=NOW, oldest=since
    )
    assert [c["_id"] for c in window] == [c["_id"] for c in ours if c["created_at"] >= since]


async def test_cases_written_before_their_month_was_stored_are_listed_after_the_pass(
    database: Db,
) -> None:
    store = IntakeStore(database, "test.hoppid.intake")
    old = [case(n, NOW - timedelta(days=45 * n)) for n in range(4)]
    await database[CASES].insert_many(old)  # as an earlier intake wrote them: no created_month
    # a list longer than the page is read by month: these are not found before the pass
    assert await listed(store, {}, 2, 0) == []

    assert await store.backfill_created_month(["nordveggen", "molde"]) == 4
    assert await listed(store, {}, 2, 0) == [c["_id"] for c in old[:2]]
    assert await listed(store, {}, 10, 0) == [c["_id"] for c in old]
    assert await store.backfill_created_month(["nordveggen"]) == 0  # once
