"""The partner repositories' contract: the same cases on the in-memory ones (reporting.memory,
the fast lane) and on the Mongo stores against the stack (marked integration): a fact is shared
once per fact id until the person withdraws, the first withdrawal counts and stops every later
fact, retention deletes a withdrawn person's record or marks it until they withdraw, and a
case's facts are set path by path until retention forgets them, and a source event publishes
its fact once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from hoppid.reporting.memory import MemoryPartnerCases, MemoryPartnerPeople, MemoryPublicFacts
from hoppid.reporting.store import (
    INDEXES,
    PartnerCaseRepository,
    PartnerCases,
    PartnerPeople,
    PartnerPeopleRepository,
    PublicFacts,
    PublicFactsOutbox,
)
from hoppid.shared.envelope import Envelope
from hoppid.shared.testing import CONTRACT_SIDES, fresh_database

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=3)


@dataclass
class Partners:
    people: PartnerPeopleRepository
    cases: PartnerCaseRepository
    facts: PublicFactsOutbox


@pytest.fixture(params=CONTRACT_SIDES)
async def partners(request: pytest.FixtureRequest) -> AsyncIterator[Partners]:
    if request.param == "memory":
        yield Partners(MemoryPartnerPeople(), MemoryPartnerCases(), MemoryPublicFacts())
        return
    async with fresh_database("test_partners", INDEXES) as database:
        yield Partners(
            PartnerPeople(database),
            PartnerCases(database),
            PublicFacts(database, "contract.hoppid.public"),
        )


def fact(fact_id: str) -> dict[str, str]:
    return {"id": fact_id, "office": "nordveggen", "municipality": "1507"}


async def test_a_fact_is_shared_once_per_fact_id(partners: Partners) -> None:
    assert await partners.people.find("p1") is None
    assert await partners.people.share("p1", fact("f1"))
    assert await partners.people.share("p1", fact("f1"))  # a redelivery: the same record
    assert await partners.people.share("p1", fact("f2"))
    assert await partners.people.find("p1") == {
        "_id": "p1",
        "withdrawn_at": None,
        "shared": {"f1": fact("f1"), "f2": fact("f2")},
    }


async def test_the_first_withdrawal_counts_and_stops_every_later_fact(
    partners: Partners,
) -> None:
    await partners.people.share("p1", fact("f1"))
    after = await partners.people.withdraw("p1", NOW)
    assert after == {"_id": "p1", "withdrawn_at": NOW, "shared": {"f1": fact("f1")}}
    assert await partners.people.withdraw("p1", LATER) == after
    assert not await partners.people.share("p1", fact("f2"))
    assert await partners.people.find("p1") == after


async def test_a_person_never_seen_is_withdrawn_before_any_fact(partners: Partners) -> None:
    assert await partners.people.withdraw("p2", NOW) == {"_id": "p2", "withdrawn_at": NOW}
    assert not await partners.people.share("p2", fact("f1"))
    assert await partners.people.find("p2") == {"_id": "p2", "withdrawn_at": NOW}


async def test_a_read_is_a_copy(partners: Partners) -> None:
    await partners.people.share("p1", fact("f1"))
    found = await partners.people.find("p1")
    assert found is not None
    found["shared"]["f1"]["office"] = "molde"
    assert await partners.people.find("p1") == {
        "_id": "p1",
        "withdrawn_at": None,
        "shared": {"f1": fact("f1")},
    }


async def test_dropped_cases_delete_a_withdrawn_persons_record_else_mark_it(
    partners: Partners,
) -> None:
    people = partners.people
    await people.share("kept", fact("f1"))
    await people.share("gone", fact("f2"))
    await people.withdraw("gone", NOW)
    for person in ("kept", "gone", "unknown"):
        await people.cases_dropped(person, LATER)
    assert await people.find("gone") is None
    assert await people.find("unknown") is None  # nothing is created
    assert await people.find("kept") == {
        "_id": "kept",
        "withdrawn_at": None,
        "shared": {"f1": fact("f1")},
        "cases_dropped_at": LATER,
    }
    assert await people.sweep_dropped() == 0  # kept has not withdrawn


async def test_the_sweep_deletes_the_marked_people_who_withdrew_since(partners: Partners) -> None:
    people = partners.people
    for person in ("marked", "unmarked", "waiting"):
        await people.share(person, fact(f"f-{person}"))
    await people.cases_dropped("marked", NOW)
    await people.cases_dropped("waiting", NOW)
    await people.withdraw("marked", LATER)
    await people.withdraw("unmarked", LATER)
    assert await people.sweep_dropped() == 1
    assert await people.find("marked") is None
    assert await people.find("unmarked") is not None  # its cases are still there
    assert await people.find("waiting") is not None  # not withdrawn
    assert await people.sweep_dropped() == 0


async def test_a_case_is_recorded_path_by_path_until_forgotten(partners: Partners) -> None:
    cases = partners.cases
    held = {"office": "nordveggen", "type": "first", "month": "2026-03", "event": "e1"}
    assert await cases.record("c1", {"held.b1": held}) == {"_id": "c1", "held": {"b1": held}}
    other = {**held, "event": "e2"}
    await cases.record("c1", {"held.b2": other})
    assert await cases.record("c1", {"municipality": "1507"}) == {
        "_id": "c1",
        "held": {"b1": held, "b2": other},
        "municipality": "1507",
    }
    assert await cases.record("c1", {"held.b1": other}) == {
        "_id": "c1",
        "held": {"b1": other, "b2": other},
        "municipality": "1507",
    }
    await cases.forget("c1")
    await cases.forget("c1")  # a pass run again
    await cases.forget("never")
    assert await cases.record("c1", {"municipality": "1539"}) == {
        "_id": "c1",
        "municipality": "1539",
    }


async def test_a_source_event_publishes_its_fact_once(partners: Partners) -> None:
    def envelope(ce_id: str) -> Envelope:
        return Envelope(type="t", source="s", subject="o", data={}, id=ce_id, time=NOW)

    assert await partners.facts.publish_once("e1", envelope("a"))
    assert not await partners.facts.publish_once("e1", envelope("b"))  # a redelivery
    assert await partners.facts.publish_once("e2", envelope("c"))
