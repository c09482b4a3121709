"""The in-memory store (projection/memory.py) leaves the Mongo store's documents.

Both get the same events through the same projections (``project``): the scripted streams of
the figures, meetings and group tests (duplicates and out-of-order delivery in them), then all
of it once more in reverse, and a dropped case's late events. Every collection of the version
is compared document by document, the in-memory ones read back through BSON as the store
reads its own (milliseconds, the database's codec), so the unit tests of the handlers on the
in-memory store say what the Mongo store would do.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from bson import decode, encode
from reporting_support import Meetings, group_scenario, meeting_scenario, scenario

from hoppid.reporting import retention
from hoppid.reporting.model import digest
from hoppid.reporting.projection.handlers import PROJECTED_TYPES, project
from hoppid.reporting.projection.memory import MemoryProjection
from hoppid.reporting.projection.store import FOLDED, Projecting, ProjectionStore
from hoppid.reporting.store import DROPPED, VERSIONED, PartnerCases
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event, catalogue
from hoppid.shared.inbox import APPLIED

Parsed = list[tuple[Event, Envelope]]


def parsed(envelopes: list[Envelope]) -> Parsed:
    return [(catalogue.parse(e), e) for e in envelopes if e.type in PROJECTED_TYPES]


def stream() -> tuple[Parsed, Parsed]:
    """The scripted streams, twice (once reversed); and new meetings of case-m1 (to be dropped
    before they come) and of case-m2 (counted)."""
    figures, _ = scenario()
    intake, scheduling, _ = meeting_scenario()
    groups, _ = group_scenario()
    once = [*figures, *scheduling, *intake, *groups]
    m = Meetings()
    late = [
        m.booked("b9", "case-m1", "nordveggen", "2026-03-30T09:00", "2026-03-25T10:00"),
        m.held("b9", "2026-03-30T09:00"),
        m.booked("b10", "case-m2", "nordveggen", "2026-03-31T09:00", "2026-03-25T11:00"),
    ]
    return parsed([*once, *reversed(once)]), parsed(late)


async def replay(store: Projecting, events: Parsed) -> None:
    for event, envelope in events:
        await project(store, event, envelope)


def as_stored(document: dict[str, Any], database: Any) -> dict[str, Any]:
    decoded: dict[str, Any] = decode(encode(document), codec_options=database.codec_options)
    return decoded


async def test_the_in_memory_store_leaves_the_mongo_stores_documents(database: Any) -> None:
    events, late = stream()
    dropped_case = "case-m1"

    mongo, memory = ProjectionStore(database, 1), MemoryProjection(1)
    for store in (mongo, memory):
        await replay(store, events)
    # as the retention pass marks a dropped case: its late events change nothing in either
    await database[f"v1_{DROPPED}"].insert_one({"_id": digest("case", dropped_case)})
    memory.drop(dropped_case)
    assert await mongo.is_dropped(dropped_case) and await memory.is_dropped(dropped_case)
    for store in (mongo, memory):
        await replay(store, late)

    cell = memory.cells["nordveggen|1539|2026-03"]["c"]
    assert cell["meetings_booked"] == 3  # b1, b2 and the late b10; not b9 of the dropped case
    await assert_same(database, memory)


async def test_retention_drops_a_persons_cases_alike(database: Any) -> None:
    """The retention pass's steps (``Dropping``) leave the same documents in both: a person's
    cases found, each dropped (its waiting time folded, its tombstone, its applied marks, ledger
    entries and claims gone, then its record), the other cases and the counts untouched."""
    events, _ = stream()
    mongo, memory = ProjectionStore(database, 1), MemoryProjection(1)
    for store in (mongo, memory):
        await replay(store, events)
    case = memory.facts["cases"]["case-m1"]
    person, opened, done = case["opened"]["person"], case["opened"]["at"], set(case["done"])
    for before, counted in (
        (opened, False),  # opened before: not at the moment itself
        (opened + timedelta(minutes=1), True),
        (datetime(2100, 1, 1, tzinfo=UTC), True),
    ):
        found = [await store.people_opened_before(before) for store in (mongo, memory)]
        assert sorted(found[0]) == sorted(found[1]), before
        assert (person in found[0]) is counted, before
    assert [cell for cell in memory.cells.values() if done & set(cell[APPLIED])]
    assert done & set(memory.ledger)

    partner_cases = PartnerCases(database)
    for store in (mongo, memory):
        cases = await store.cases_of_person(person)
        assert [case["_id"] for case in cases] == ["case-m1"]
        for case in cases:
            await retention.drop_case(store, partner_cases, case)
            await retention.drop_case(store, partner_cases, case)  # a pass run again
        assert await store.cases_of_person(person) == []
        assert await store.is_dropped("case-m1")
    folded = memory.facts["cases"][FOLDED + digest("case", "case-m1")]
    assert (folded["wait_days"], folded["meetings"]) == (3.0, {"folded": True})
    assert not [cell for cell in memory.cells.values() if done & set(cell[APPLIED])]
    assert not done & set(memory.ledger)
    await assert_same(database, memory)


async def assert_same(database: Any, memory: MemoryProjection) -> None:
    """Every collection of version 1 holds the same documents in the store and in memory."""
    in_memory = memory.collections()
    for name in VERSIONED:
        in_mongo = [doc async for doc in database[f"v1_{name}"].find({}).sort("_id", 1)]
        assert in_mongo, f"the streams leave no {name}: the comparison proves nothing"
        held = [as_stored(in_memory[name][key], database) for key in sorted(in_memory[name])]
        assert held == in_mongo, name
    tombstones = [doc["_id"] async for doc in database[f"v1_{DROPPED}"].find({}).sort("_id", 1)]
    assert tombstones == sorted(memory.dropped)
