"""The case use cases on the in-memory repository (cases.memory): a case opened only within its
office, an advisor assigned and changed, a note added, an application recorded (free text: the
catalogue's own rules are grants' tests), a transition the pipeline refuses. No stack: the vault
is a stand-in that hands the envelope back unsealed (sealing is the vault's own test)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest

from hoppid.contracts import intake as ev
from hoppid.intake.cases import use_cases
from hoppid.intake.cases.forms import AddNote, AssignAdvisor, ChangeStatus, RecordApplication
from hoppid.intake.cases.memory import MemoryCases
from hoppid.intake.context import Context
from hoppid.intake.model import RuleViolation
from hoppid.shared.access import Staff
from hoppid.shared.envelope import Envelope
from hoppid.shared.problems import NotFound

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
KARI = Staff(key_id="k-kari", office_id="nordveggen", role="advisor", advisor_id="adv-kari")
MOLDE = Staff(key_id="k-molde", office_id="molde", role="advisor")


class UnsealedVault:
    async def seal(self, envelope: Envelope, model: Any, person_id: str) -> Envelope:
        return envelope


def case(case_id: str = "case-1", office_id: str = "nordveggen") -> dict[str, Any]:
    return {
        "_id": case_id,
        "office_id": office_id,
        "municipality": "1539",
        "person_id": "person-1",
        "reference": "HOPABCD2345",
        "status": "new",
        "needs": ["guidance"],
        "history": [],
        "notes": [],
        "applications": [],
        "introductions": [],
        "created_at": NOW,
    }


@pytest.fixture
async def cases() -> MemoryCases:
    memory = MemoryCases()
    await memory.insert_case(case(), [])
    return memory


def context(memory: MemoryCases) -> Context:
    return Context(
        store=cast(Any, memory),  # the case use cases read only their repository's methods
        link_secret="s" * 32,
        link_days=30,
        notify=lambda: None,
        vault=cast(Any, UnsealedVault()),
        now=lambda: NOW,
    )


def event_types(memory: MemoryCases) -> list[str]:
    return [e.type for e in memory.events]


async def test_a_case_is_opened_only_within_its_office(cases: MemoryCases) -> None:
    ctx = context(cases)
    assert (await use_cases.open_case(ctx, KARI, "case-1"))["reference"] == "HOPABCD2345"
    with pytest.raises(NotFound):
        await use_cases.open_case(ctx, MOLDE, "case-1")
    with pytest.raises(NotFound):
        await use_cases.open_case(ctx, KARI, "no-such-case")


async def test_an_advisor_is_assigned_then_changed(cases: MemoryCases) -> None:
    ctx = context(cases)
    first = await use_cases.assign_advisor(ctx, KARI, "case-1", AssignAdvisor(advisor_id="a-1"))
    assert first["advisor_id"] == "a-1" and first["updated_at"] == NOW
    await use_cases.assign_advisor(ctx, KARI, "case-1", AssignAdvisor(advisor_id="a-2"))
    assert event_types(cases) == [ev.AdvisorAssigned.event_type] * 2
    assert cases.events[1].data["previous_advisor_id"] == "a-1"
    assert (await use_cases.open_case(ctx, KARI, "case-1"))["advisor_id"] == "a-2"


async def test_a_note_is_added_with_its_writer(cases: MemoryCases) -> None:
    ctx = context(cases)
    changed = await use_cases.add_note(ctx, KARI, "case-1", AddNote(text="Called her back"))
    [note] = changed["notes"]
    assert (note["text"], note["by"], note["at"]) == ("Called her back", "k-kari", NOW)
    assert event_types(cases) == [ev.NoteAdded.event_type]
    assert cases.events[0].data["note_id"] == note["id"]


async def test_an_application_is_recorded_and_a_bad_one_refused(cases: MemoryCases) -> None:
    ctx = context(cases)
    form = RecordApplication(programme="Innovasjon Norge", amount_asked_nok=30_000)
    changed = await use_cases.record_application(ctx, KARI, "case-1", form)
    [application] = changed["applications"]
    assert application["programme"] == "Innovasjon Norge"
    assert (application["outcome"], application["amount_granted_nok"]) == (None, 0)
    assert event_types(cases) == [ev.ApplicationRecorded.event_type]
    both = RecordApplication(programme="x", programme_id="y", amount_asked_nok=1)
    with pytest.raises(RuleViolation) as refused:
        await use_cases.record_application(ctx, KARI, "case-1", both)
    assert refused.value.field == "programme"
    with pytest.raises(RuleViolation) as refused:
        await use_cases.record_application(
            ctx, KARI, "case-1", RecordApplication(amount_asked_nok=1)
        )
    assert refused.value.field == "programme_id"
    assert len(cases.events) == 1  # nothing written for the refused ones


async def test_the_pipeline_refuses_a_transition_and_keeps_the_case(cases: MemoryCases) -> None:
    ctx = context(cases)
    with pytest.raises(RuleViolation) as refused:
        await use_cases.change_status(ctx, KARI, "case-1", ChangeStatus(status="closed"))
    assert refused.value.field == "reason"
    moved = await use_cases.change_status(ctx, KARI, "case-1", ChangeStatus(status="contacted"))
    assert moved["status"] == "contacted"
    assert [h["status"] for h in moved["history"]] == ["contacted"]
    assert event_types(cases) == [ev.CaseStatusChanged.event_type]
