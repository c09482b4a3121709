"""The inquiries' repository contract: the same cases on the in-memory repository
(inquiries.memory, the fast lane) and on intake's store against the stack (marked integration):
a claim key is taken once and names its first claimant's case after (the keys made with it
pointed there too), a case is inserted once, one person per email, a person's cases known, and
the office found by the municipalities it serves."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from typing import Any, Protocol

import pytest

from hoppid.intake.inquiries.memory import MemoryInquiries
from hoppid.intake.inquiries.store import InquiryRepository
from hoppid.intake.store import INDEXES, IntakeStore
from hoppid.shared.envelope import Envelope
from hoppid.shared.testing import CONTRACT_SIDES, fresh_database

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Seeded(InquiryRepository, Protocol):
    """The repository with the offices' write, which puts the offices there."""

    async def save_office(self, office: dict[str, Any], events: Iterable[Envelope]) -> None: ...


@pytest.fixture(params=CONTRACT_SIDES)
async def repository(request: pytest.FixtureRequest) -> AsyncIterator[Seeded]:
    if request.param == "memory":
        yield MemoryInquiries()
        return
    async with fresh_database("test_inquiries", INDEXES) as database:
        yield IntakeStore(database, "contract.hoppid.intake")


def case(case_id: str, person_id: str = "p-1") -> dict[str, Any]:
    return {
        "_id": case_id,
        "office_id": "nordveggen",
        "person_id": person_id,
        "reference": f"HOP{case_id.upper():0>8}"[-11:],
        "status": "new",
        "created_at": NOW,
    }


def person(person_id: str, email: str = "kari@example.no") -> dict[str, Any]:
    return {"_id": person_id, "email": email, "name": "Kari Nordmann", "link_epoch": 0}


def event(subject: str) -> Envelope:
    return Envelope(type="test.opened", source="test", subject=subject, data={}, time=NOW)


async def test_a_claim_key_is_taken_once_by_its_first_claimant(repository: Seeded) -> None:
    assert await repository.claim(["idem:a", "dup:x"], "c-1", NOW) == "c-1"
    assert await repository.claim(["idem:a", "dup:x"], "c-1", NOW) == "c-1"  # its own again
    assert await repository.claim(["idem:a", "dup:y"], "c-2", NOW) == "c-1"
    assert await repository.claim(["dup:y"], "c-3", NOW) == "c-1"  # made with a taken one
    assert await repository.claim(["dup:z"], "c-4", NOW) == "c-4"


async def test_the_first_key_taken_in_order_decides(repository: Seeded) -> None:
    assert await repository.claim(["dup:a"], "c-1", NOW) == "c-1"
    assert await repository.claim(["idem:b"], "c-2", NOW) == "c-2"
    assert await repository.claim(["idem:b", "dup:a"], "c-3", NOW) == "c-2"
    assert await repository.claim(["dup:a", "idem:b"], "c-4", NOW) == "c-1"


async def test_a_case_is_inserted_once(repository: Seeded) -> None:
    assert await repository.case_by_id("c-1") is None
    assert await repository.insert_case(case("c-1"), [event("c-1")]) is True
    assert await repository.insert_case(case("c-1") | {"status": "closed"}, []) is False
    stored = await repository.case_by_id("c-1")
    assert stored is not None and stored["status"] == "new"
    assert stored["created_month"] == "2026-03"  # the case list reads by it
    assert "outbox" not in stored


async def test_one_person_per_email_and_their_cases_known(repository: Seeded) -> None:
    assert await repository.insert_person(person("p-1")) is True
    assert await repository.insert_person(person("p-2")) is False  # the same email
    assert await repository.insert_person(person("p-1", "other@example.no")) is False
    known = await repository.person_by_email("kari@example.no")
    assert known is not None and known["_id"] == "p-1"
    assert await repository.person_by_email("other@example.no") is None
    assert await repository.has_cases("p-1") is False
    await repository.insert_case(case("c-1", "p-1"), [])
    assert await repository.has_cases("p-1") is True
    assert await repository.has_cases("p-2") is False


async def test_the_office_serving_a_municipality(repository: Seeded) -> None:
    await repository.save_office({"_id": "nordveggen", "municipalities": ["1539", "1557"]}, [])
    await repository.save_office({"_id": "molde", "municipalities": ["1506"]}, [])
    assert (await repository.office_serving("1557") or {})["_id"] == "nordveggen"
    assert (await repository.office_serving("1506") or {})["_id"] == "molde"
    assert await repository.office_serving("0301") is None
