"""The public inquiry on the in-memory repository (inquiries.memory): a new person's inquiry
opens a case with its events, a retry (the same Idempotency-Key) and a same-day duplicate answer
that case and write nothing, a returning person's new idea reuses the person, and a stale
consent text or a municipality no office serves is refused by its field. A fixed clock; no
stack: the vault is a stand-in that hands the envelope back unsealed (sealing is the vault's
own test)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from hoppid.contracts import intake as ev
from hoppid.intake.context import Context
from hoppid.intake.inquiries.forms import InquiryForm
from hoppid.intake.inquiries.memory import MemoryInquiries
from hoppid.intake.inquiries.use_cases import submit_inquiry
from hoppid.intake.model import RuleViolation
from hoppid.shared.envelope import Envelope
from hoppid.shared.testing import public_inquiry

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 10:00 in Oslo


class UnsealedVault:
    async def seal(
        self, envelope: Envelope, model: Any, person_id: str, *, likely_new: bool = False
    ) -> Envelope:
        return envelope


class World:
    """The inquiry's context on memory, its clock set by the test."""

    def __init__(self) -> None:
        self.memory = MemoryInquiries()
        self.at = NOW
        self.ctx = Context(
            store=cast(Any, self.memory),  # the inquiry reads only its repository
            link_secret="s" * 32,
            link_days=30,
            notify=lambda: None,
            vault=cast(Any, UnsealedVault()),
            now=lambda: self.at,
        )

    def written(self) -> Any:
        """Everything the repository holds, to see that nothing was written."""
        m = self.memory
        return copy.deepcopy((m.cases, m.people, m.claims, [e.type for e in m.events]))


@pytest.fixture
async def world() -> World:
    made = World()
    nordveggen = {"_id": "nordveggen", "name": "Nordveggen", "municipalities": ["1539"]}
    await made.memory.save_office(nordveggen, [])
    return made


def form(**fields: Any) -> InquiryForm:
    return InquiryForm.model_validate(public_inquiry(**fields))


async def test_a_new_persons_inquiry_opens_a_case_with_its_events(world: World) -> None:
    case, created = await submit_inquiry(world.ctx, form(), "key-1")
    assert created is True
    assert (case["office_id"], case["status"], case["created_at"]) == ("nordveggen", "new", NOW)
    assert world.memory.cases[case["_id"]]["person_id"] == case["person_id"]
    [person] = world.memory.people.values()
    assert (person["_id"], person["email"]) == (case["person_id"], "kari@example.no")
    received, opened = world.memory.events
    assert (received.type, opened.type) == (ev.InquiryReceived.event_type, ev.CaseOpened.event_type)
    assert received.subject == opened.subject == case["_id"]
    assert opened.data["first_case_of_person"] is True
    assert len(world.memory.claims) == 2  # the idempotency key's and the same-day duplicate's


async def test_the_same_request_again_is_the_same_case_and_writes_nothing(world: World) -> None:
    first, _ = await submit_inquiry(world.ctx, form(), "key-1")
    before = world.written()
    world.at = NOW + timedelta(minutes=1)
    again, created = await submit_inquiry(world.ctx, form(), "key-1")
    assert (again["_id"], created) == (first["_id"], False)
    assert world.written() == before


async def test_a_same_day_duplicate_without_a_key_is_the_same_case(world: World) -> None:
    first, _ = await submit_inquiry(world.ctx, form(), None)
    before = world.written()
    world.at = NOW + timedelta(hours=8)  # 18:00 in Oslo: the same day
    duplicate, created = await submit_inquiry(world.ctx, form(idea="a  BAKERY in Åndalsnes"), None)
    assert (duplicate["_id"], created) == (first["_id"], False)
    assert world.written() == before


async def test_a_returning_persons_new_case_reuses_the_person(world: World) -> None:
    first, _ = await submit_inquiry(world.ctx, form(), None)
    other = form(idea="A ferry café in Romsdalsfjorden", name="Someone Else")
    case, created = await submit_inquiry(world.ctx, other, None)
    assert created is True and case["_id"] != first["_id"]
    assert case["person_id"] == first["person_id"]
    assert len(world.memory.people) == 1
    assert world.memory.people[first["person_id"]]["name"] == "Kari Nordmann"  # never renamed
    received, opened = world.memory.events[2:]
    assert received.data["name"] == "Kari Nordmann"  # the person's, not the form's
    assert opened.data["first_case_of_person"] is False


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"consent_text_version": "2020-01-01"}, "consent_text_version"),
        ({"municipality": "0301"}, "municipality"),  # Oslo: no office of ours serves it
    ],
)
async def test_a_refused_inquiry_names_its_field_and_writes_nothing(
    world: World, fields: dict[str, Any], field: str
) -> None:
    before = world.written()
    with pytest.raises(RuleViolation) as refused:
        await submit_inquiry(world.ctx, form(**fields), "key-1")
    assert refused.value.field == field
    assert world.written() == before
