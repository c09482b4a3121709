"""What scheduling does with intake's events (put on intake's topic as intake's relay would):
learns offices, offers free times when a case opens, honours erasure. Each at most once."""

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from scheduling_support import OFFICE, Scheduling, bearer, publish, working_day

from hoppid.contracts import intake as intake_events
from hoppid.scheduling.model import oslo_instant
from hoppid.shared.testing import eventually, of_type, read_envelopes

# its outcome could depend on the hour, weekday or DST: scripts/time_of_day.sh
pytestmark = pytest.mark.time_of_day


def case_opened(case_id: str, **changes: Any) -> intake_events.CaseOpened:
    values: dict[str, Any] = {
        "case_id": case_id,
        "office_id": OFFICE,
        "person_id": f"person-of-{case_id}",
        "reference": "HOP-TEST-0001",
        "municipality": "1539",
        "needs": ["guidance"],
        "stage": "idea",
        "language": "nb",
        "meeting_mode": "in_person",
        "opened_at": datetime.now(UTC),
        "first_case_of_person": True,
    }
    values.update(changes)
    return intake_events.CaseOpened(**values)


async def test_offices_are_learned_from_intake_once_per_event(
    scheduling: Scheduling, database: Any
) -> None:
    changed = intake_events.OfficeChanged(
        office_id="vestnes-test",
        name="Vestnes næringshage",
        municipalities=["1535"],
        languages=["nb", "en"],
        contact_email="post@vestnes.example",
        yearly_budget_eur=20000,
        changed_at=datetime.now(UTC),
    )
    envelope = await scheduling.publish(changed, "vestnes-test", office="vestnes-test")
    await publish(scheduling.intake_topic, envelope)  # the very same event again
    renamed = changed.model_copy(update={"name": "Vestnes næringshage AS"})
    last = await scheduling.publish(renamed, "vestnes-test", office="vestnes-test")

    async def last_applied() -> Any:  # same key, same partition: the duplicate came before it
        office = await database["offices"].find_one({"_id": "vestnes-test"})
        return office if office and last.id in office["applied_events"] else None

    office = await eventually(last_applied, what="the office learned")
    assert office["applied_events"] == [envelope.id, last.id]  # the duplicate changed nothing
    admin = await scheduling.key("vestnes-test")
    shown = await scheduling.client.get("/v1/offices/vestnes-test", headers=bearer(admin))
    assert shown.json()["name"] == "Vestnes næringshage AS"
    assert shown.json()["settings"]["first_guidance_minutes"] == 60


async def test_a_case_opening_gets_the_earliest_fitting_slots_once(
    scheduling: Scheduling, database: Any
) -> None:
    admin = await scheduling.key()
    english = await scheduling.advisor(
        admin, name="Kari", email="kari@nordveggen.example", languages=["en"]
    )
    norwegian = await scheduling.advisor(admin)
    envelope = await scheduling.publish(case_opened("case-1"), "case-1")
    await publish(scheduling.intake_topic, envelope)  # delivered twice

    found = await read_envelopes(
        scheduling.topic, lambda es: bool(of_type(es, "scheduling.slots.offered.v1"))
    )
    offered = of_type([e for _, e in found], "scheduling.slots.offered.v1")
    assert offered[0].subject == "case-1" and offered[0].office == OFFICE
    slots = offered[0].data["slots"]
    assert len(slots) == 3  # HOPPID_SCHEDULING_OFFER_COUNT
    starts = [datetime.fromisoformat(s["start"]) for s in slots]
    assert starts == sorted(starts)
    assert starts[0] >= datetime.now(UTC) + timedelta(hours=23)  # minimum notice (24 h)
    assert {s["advisor_id"] for s in slots} == {norwegian["id"]}  # nb: not Kari
    assert english["id"] not in str(slots)
    assert {s["mode"] for s in slots} == {"in_person"}
    assert set(offered[0].data) >= {"person_id", "case_id", "office_id", "meeting_type"}
    assert "email" not in offered[0].data and "name" not in offered[0].data

    # the earliest: what the office's own search shows first from today on
    today = datetime.now(UTC).date()
    search = await scheduling.client.get(
        f"/v1/offices/{OFFICE}/slots",
        params={
            "from": today.isoformat(),
            "to": (today + timedelta(days=21)).isoformat(),
            "language": "nb",
            "mode": "in_person",
            "limit": 3,
        },
        headers=bearer(admin),
    )
    assert [datetime.fromisoformat(s["start"]) for s in search.json()] == starts
    await eventually(
        lambda: database["offers"].count_documents({"case_id": "case-1"}), what="the offer"
    )
    assert await database["offers"].count_documents({}) == 1  # the second delivery did nothing


async def test_erasure_cancels_the_person_s_upcoming_meetings(
    scheduling: Scheduling, database: Any
) -> None:
    admin = await scheduling.key()
    advisor = await scheduling.advisor(admin)
    start = oslo_instant(working_day(), time(10))
    assert start is not None
    made = await scheduling.client.post(
        f"/v1/offices/{OFFICE}/bookings",
        json={
            "case_id": "case-9",
            "person_id": "person-9",
            "start": start.isoformat(),
            "mode": "digital",
            "advisor_id": advisor["id"],
        },
        headers=bearer(admin),
    )
    assert made.status_code == 201
    erasure = intake_events.ErasureRequested(
        person_id="person-9", case_ids=["case-9"], requested_at=datetime.now(UTC)
    )
    await scheduling.publish(erasure, "person-9", office="")

    found = await read_envelopes(
        scheduling.topic, lambda es: bool(of_type(es, "scheduling.meeting.cancelled.v1"))
    )
    cancelled = of_type([e for _, e in found], "scheduling.meeting.cancelled.v1")
    assert [(e.subject, e.data["reason"]) for e in cancelled] == [(made.json()["id"], "erasure")]
    assert await database["claims"].count_documents({}) == 0
