"""The people's repository contract: the same cases on the in-memory repository (people.memory,
the fast lane) and on intake's store against the stack (marked integration): one person per
email, a change made only while what it expects holds and answered as the person is after it
(a consent withdrawn keeps the others), an erasure that empties the personal data, frees the
email and moves the link epoch on, and the person's cases read and re-keyed in every office."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import pytest

from hoppid.intake.people.memory import MemoryPeople
from hoppid.intake.people.store import PersonRepository
from hoppid.intake.store import INDEXES, IntakeStore
from hoppid.shared.envelope import Envelope
from hoppid.shared.testing import CONTRACT_SIDES, fresh_database

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Seeded(PersonRepository, Protocol):
    """The repository with the inquiry's write of a case (a person's cases come from there)."""

    async def insert_case(self, case: dict[str, Any], events: Any) -> bool: ...


@pytest.fixture(params=CONTRACT_SIDES)
async def repository(request: pytest.FixtureRequest) -> AsyncIterator[Seeded]:
    if request.param == "memory":
        yield MemoryPeople()
        return
    async with fresh_database("test_people", INDEXES) as database:
        yield IntakeStore(database, "contract.hoppid.intake")


def person(person_id: str = "p-1", email: str = "kari@example.no") -> dict[str, Any]:
    return {
        "_id": person_id,
        "email": email,
        "name": "Kari Nordmann",
        "phone": "+4791234567",
        "language": "nb",
        "link_epoch": 0,
        "created_at": NOW,
        "consents": {
            "processing": {"given_at": NOW, "text_version": "v1"},
            "newsletter": True,
            "share_company_with_partners": True,
        },
    }


def case(case_id: str, person_id: str, office_id: str, days_ago: int) -> dict[str, Any]:
    return {
        "_id": case_id,
        "office_id": office_id,
        "person_id": person_id,
        "reference": f"HOP{case_id.upper():0>8}"[-11:],
        "status": "new",
        "notes": [],
        "search_keys": ["k:old"],
        "created_at": NOW - timedelta(days=days_ago),
    }


def event(subject: str) -> Envelope:
    return Envelope(type="test.changed", source="test", subject=subject, data={}, time=NOW)


async def test_one_person_per_email(repository: Seeded) -> None:
    assert await repository.insert_person(person())
    assert not await repository.insert_person(person("p-2"))  # the same email
    assert not await repository.insert_person(person(email="other@example.no"))  # the same id
    found = await repository.person_by_email("kari@example.no")
    assert found is not None and found["_id"] == "p-1"
    assert await repository.person_by_email("nobody@example.no") is None
    read = await repository.person("p-1")
    assert read is not None and read["name"] == "Kari Nordmann"
    assert await repository.person("p-2") is None


async def test_a_change_waits_for_what_it_expects(repository: Seeded) -> None:
    await repository.insert_person(person())
    expect = {"name": "Kari Nordmann", "phone": "+4791234567"}
    after = await repository.set_person("p-1", {"name": "Kari N."}, [event("p-1")], expect)
    assert after is not None
    assert (after["name"], after["phone"], after["language"]) == ("Kari N.", "+4791234567", "nb")
    assert "outbox" not in after
    stale = await repository.set_person("p-1", {"name": "Someone"}, [event("p-1")], expect)
    assert stale is None
    assert await repository.set_person("nobody", {"name": "x"}, [event("nobody")]) is None
    assert (await repository.person("p-1") or {})["name"] == "Kari N."
    # a field never set reads as None, as expected by a correction of someone without a phone
    await repository.insert_person({**person("p-2", "ola@example.no"), "phone": None})
    assert await repository.set_person("p-2", {"phone": "+4790000000"}, [], {"phone": None})


async def test_a_consent_withdrawn_keeps_the_others(repository: Seeded) -> None:
    await repository.insert_person(person())
    after = await repository.withdraw_consent("p-1", "newsletter", [event("p-1")])
    assert after is not None
    consents = after["consents"]
    assert consents["newsletter"] is False
    assert consents["share_company_with_partners"] is True
    assert consents["processing"] == {"given_at": NOW, "text_version": "v1"}
    assert await repository.withdraw_consent("nobody", "newsletter", []) is None


async def test_an_erasure_empties_the_person_and_frees_the_email(repository: Seeded) -> None:
    await repository.insert_person(person())
    erased = await repository.erase_person("p-1", NOW, [event("p-1"), event("p-1")])
    assert erased is not None
    assert (erased["name"], erased["phone"], erased["email"]) == (None, None, "erased:p-1")
    assert (erased["erased_at"], erased["consents"], erased["link_epoch"]) == (NOW, {}, 1)
    assert erased["language"] == "nb"  # what is not personal stays
    again = await repository.erase_person("p-1", NOW, [])  # safe to repeat: every link dies
    assert again is not None and again["link_epoch"] == 2
    assert await repository.person_by_email("kari@example.no") is None
    assert await repository.insert_person(person("p-2"))  # the address is free again
    assert await repository.erase_person("nobody", NOW, []) is None
    # a change that expects the person not erased no longer finds them
    assert await repository.set_person("p-1", {"language": "en"}, [], {"erased_at": None}) is None
    assert await repository.set_person("p-2", {"language": "en"}, [], {"erased_at": None})


async def test_the_persons_cases_in_every_office(repository: Seeded) -> None:
    await repository.insert_person(person())
    await repository.insert_case(case("c-new", "p-1", "molde", days_ago=1), [])
    await repository.insert_case(case("c-old", "p-1", "nordveggen", days_ago=30), [])
    await repository.insert_case(case("c-other", "p-9", "nordveggen", days_ago=2), [])
    cases = await repository.cases_of_person("p-1")
    assert [c["_id"] for c in cases] == ["c-old", "c-new"]  # oldest first
    assert all("outbox" not in c and c["notes"] == [] for c in cases)
    await repository.set_search_keys("p-1", ["k:new", "k:kari"])
    assert [c["search_keys"] for c in await repository.cases_of_person("p-1")] == [
        ["k:new", "k:kari"]
    ] * 2
    [other] = await repository.cases_of_person("p-9")
    assert other["search_keys"] == ["k:old"]
    assert await repository.cases_of_person("nobody") == []
