"""The people use cases on the in-memory repositories (people.memory, audit.memory): a consent
withdrawn (the processing consent is an erasure request), the erasure (the person emptied, the
cases scrubbed, the key destroyed, every link dead, the act in the trail), a correction (the
person's cases re-keyed), and a person not there. No stack: the vault is a stand-in that hands
the envelope back unsealed and notes the keys destroyed (the vault's own tests do the rest)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from hoppid.contracts import intake as ev
from hoppid.intake.audit.memory import MemoryAudit
from hoppid.intake.context import Context
from hoppid.intake.model import RuleViolation
from hoppid.intake.people import use_cases
from hoppid.intake.people.forms import Correction, WithdrawConsent
from hoppid.intake.people.memory import MemoryPeople
from hoppid.intake.search import keys_of_person
from hoppid.shared.envelope import Envelope
from hoppid.shared.links import sign_link
from hoppid.shared.problems import NotFound

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRET = "s" * 32


class StandInVault:
    def __init__(self) -> None:
        self.destroyed: list[str] = []

    async def seal(self, envelope: Envelope, model: Any, person_id: str) -> Envelope:
        return envelope

    async def destroy(self, person_id: str) -> None:
        self.destroyed.append(person_id)


def person(person_id: str = "p-1") -> dict[str, Any]:
    return {
        "_id": person_id,
        "email": f"{person_id}@example.no",
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


def case(case_id: str, office_id: str) -> dict[str, Any]:
    return {
        "_id": case_id,
        "office_id": office_id,
        "municipality": "1539",
        "person_id": "p-1",
        "reference": f"HOP{case_id.upper():0>8}"[-11:],
        "status": "contacted",
        "needs": ["guidance"],
        "idea": "A bakery in Åndalsnes",
        "search_keys": ["k:kari"],
        "history": [{"status": "contacted", "at": NOW, "comment": "called Kari"}],
        "notes": [{"id": "n-1", "at": NOW, "text": "Kari has a lease"}],
        "applications": [],
        "introductions": [{"id": "i-1", "kind": "bank", "at": NOW, "to": "Kari's bank"}],
        "created_at": NOW - timedelta(days=3),
    }


class World:
    """The people use cases' context on memory, with what they wrote."""

    def __init__(self) -> None:
        self.people = MemoryPeople()
        self.audit = MemoryAudit()
        self.vault = StandInVault()
        self.ctx = Context(
            store=cast(Any, self.people),  # the people use cases read only their repositories
            link_secret=SECRET,
            link_days=30,
            notify=lambda: None,
            vault=cast(Any, self.vault),
            now=lambda: NOW,
            audit=self.audit,
        )

    def event_types(self) -> list[str]:
        return [e.type for e in self.people.events]


@pytest.fixture
async def world() -> World:
    made = World()
    await made.people.insert_person(person())
    await made.people.insert_case(case("c-1", "nordveggen"), [])
    await made.people.insert_case(case("c-2", "molde"), [])
    return made


async def test_a_consent_withdrawn_is_recorded_with_its_event(world: World) -> None:
    form = WithdrawConsent(consent="newsletter")
    after = await use_cases.withdraw_consent(world.ctx, "p-1", form)
    assert after is not None and after["consents"]["newsletter"] is False
    assert after["consents"]["processing"]["given_at"] == NOW  # the others kept
    partners = WithdrawConsent(consent="share_company_with_partners")
    await use_cases.withdraw_consent(world.ctx, "p-1", partners)
    assert world.event_types() == [
        ev.ConsentWithdrawn.event_type,
        ev.PartnerSharingWithdrawn.event_type,  # reporting retracts the partner facts
    ]
    assert world.people.events[0].data["consent"] == "newsletter"
    assert world.vault.destroyed == []  # no erasure


async def test_withdrawing_the_processing_consent_erases(world: World) -> None:
    form = WithdrawConsent(consent="processing")
    assert await use_cases.withdraw_consent(world.ctx, "p-1", form) is None
    assert world.event_types() == [
        ev.ErasureRequested.event_type,
        ev.ErasureCompleted.event_type,
    ]
    with pytest.raises(NotFound):
        await use_cases.my_data(world.ctx, "p-1")


async def test_the_erasure_empties_the_person_and_scrubs_their_cases(world: World) -> None:
    token = sign_link(SECRET, "p-1", 0, NOW, 30)
    assert await use_cases.person_of_link(world.ctx, token) == "p-1"
    await use_cases.request_erasure(world.ctx, "p-1")
    erased = await world.people.person("p-1")
    assert erased is not None
    assert (erased["name"], erased["phone"], erased["email"]) == (None, None, "erased:p-1")
    assert (erased["erased_at"], erased["consents"], erased["link_epoch"]) == (NOW, {}, 1)
    assert world.vault.destroyed == ["p-1"]
    assert await use_cases.person_of_link(world.ctx, token) is None  # every link dead
    for scrubbed in await world.people.cases_of_person("p-1"):
        assert (scrubbed["idea"], scrubbed["search_keys"]) == (None, [])
        assert scrubbed["notes"] == [{"id": "n-1", "at": NOW}]
        assert scrubbed["introductions"] == [{"id": "i-1", "kind": "bank", "at": NOW}]
        assert scrubbed["history"] == [{"status": "contacted", "at": NOW}]
        assert (scrubbed["status"], scrubbed["needs"]) == ("contacted", ["guidance"])  # counted
        assert scrubbed["erased_at"] == NOW
    [requested, completed] = world.people.events
    assert requested.type == ev.ErasureRequested.event_type
    assert sorted(requested.data["case_ids"]) == ["c-1", "c-2"]
    assert completed.type == ev.ErasureCompleted.event_type
    # the act in the trail of each office that holds a case of theirs, by the person, by link
    entries = world.audit.entries
    assert sorted(e["office_id"] for e in entries) == ["molde", "nordveggen"]
    assert {(e["action"], e["channel"], e["actor"]["kind"]) for e in entries} == {
        ("erasure", "link", "person")
    }
    await use_cases.request_erasure(world.ctx, "p-1")  # safe to repeat
    assert (await world.people.person("p-1") or {})["link_epoch"] == 2


async def test_a_correction_rekeys_the_persons_cases(world: World) -> None:
    corrected = await use_cases.correct_my_data(world.ctx, "p-1", Correction(name="Kari Berg"))
    assert (corrected["name"], corrected["updated_at"]) == ("Kari Berg", NOW)
    [event] = world.people.events
    assert event.type == ev.PersonCorrected.event_type
    assert event.data["corrected"] == ["name"]
    keys = keys_of_person(SECRET, corrected)
    assert [c["search_keys"] for c in await world.people.cases_of_person("p-1")] == [keys] * 2
    with pytest.raises(RuleViolation) as refused:
        await use_cases.correct_my_data(world.ctx, "p-1", Correction())
    assert refused.value.field == "body"
    # the same values again: nothing changed, nothing published
    await use_cases.correct_my_data(world.ctx, "p-1", Correction(name="Kari Berg"))
    assert len(world.people.events) == 1


async def test_a_person_not_there_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        await use_cases.my_data(world.ctx, "nobody")
    with pytest.raises(NotFound):
        await use_cases.correct_my_data(world.ctx, "nobody", Correction(name="X"))
    with pytest.raises(NotFound):
        await use_cases.withdraw_consent(world.ctx, "nobody", WithdrawConsent(consent="newsletter"))
    with pytest.raises(NotFound):
        await use_cases.request_erasure(world.ctx, "nobody")
    await use_cases.request_erasure(world.ctx, "p-1")
    with pytest.raises(NotFound):  # an erased person is not there for the use cases
        await use_cases.correct_my_data(world.ctx, "p-1", Correction(name="Kari"))
    assert await use_cases.person_of_link(world.ctx, "forged-token") is None
    assert world.event_types() == [
        ev.ErasureRequested.event_type,
        ev.ErasureCompleted.event_type,
    ]
