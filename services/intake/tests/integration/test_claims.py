"""Submission claims on the real store: both keys in one insert, earlier cases win."""

from datetime import UTC, datetime
from typing import Any

from hoppid.intake.store import CLAIMS, IntakeStore

AT = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


async def test_new_keys_claim_the_new_case(database: Any) -> None:
    store = IntakeStore(database, "t.hoppid.intake")
    assert await store.claim(["idem:a", "dup:a"], "case-1", AT) == "case-1"
    claims = {c["_id"]: c["case_id"] async for c in database[CLAIMS].find({})}
    assert claims == {"idem:a": "case-1", "dup:a": "case-1"}


async def test_a_key_taken_before_names_its_case_and_the_new_key_follows(database: Any) -> None:
    store = IntakeStore(database, "t.hoppid.intake")
    assert await store.claim(["dup:b"], "case-1", AT) == "case-1"
    assert await store.claim(["idem:b", "dup:b"], "case-2", AT) == "case-1"
    assert await store.claim(["idem:b", "dup:other"], "case-3", AT) == "case-1"
    claims = {c["_id"]: c["case_id"] async for c in database[CLAIMS].find({})}
    assert claims == {"dup:b": "case-1", "idem:b": "case-1", "dup:other": "case-1"}


async def test_the_same_insert_again_is_still_ours_unless_another_key_is_older(
    database: Any,
) -> None:
    """What the driver's retry of the insert looks like: our own keys come back as taken."""
    store = IntakeStore(database, "t.hoppid.intake")
    assert await store.claim(["idem:c", "dup:c"], "case-1", AT) == "case-1"
    assert await store.claim(["idem:c", "dup:c"], "case-1", AT) == "case-1"
    assert await store.claim(["dup:d"], "case-2", AT) == "case-2"
    assert await store.claim(["idem:d"], "case-3", AT) == "case-3"
    # idem:d is ours (case-3) and dup:d an earlier case's: the earlier case wins, idem:d follows
    assert await store.claim(["idem:d", "dup:d"], "case-3", AT) == "case-2"
    assert (await database[CLAIMS].find_one({"_id": "idem:d"}))["case_id"] == "case-2"
