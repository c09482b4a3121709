"""The entrepreneur books, moves and cancels their own meeting through their signed link."""

from datetime import UTC, datetime
from typing import Any

from scheduling_support import Scheduling

from hoppid.contracts import intake as intake_events
from hoppid.shared.clock import real_now
from hoppid.shared.links import sign_link
from hoppid.shared.testing import TEST_LINK_SECRET, eventually, vault_for_tests

SECRET = TEST_LINK_SECRET  # the one the services the tests start run with


def token_of(person_id: str) -> str:
    """A link as intake signs it for the person's receipt."""
    return sign_link(SECRET, person_id, 0, datetime.now(UTC), days=30)


async def case_opened(scheduling: Scheduling, case: str, person: str, reference: str) -> None:
    """Intake's case.opened of a new person's first case at Nordveggen, digital meetings."""
    opened = intake_events.CaseOpened(
        case_id=case,
        office_id="nordveggen",
        person_id=person,
        reference=reference,
        municipality="1539",
        needs=["guidance"],
        stage="idea",
        language="nb",
        meeting_mode="digital",
        opened_at=real_now(),
        first_case_of_person=True,
    )
    await scheduling.publish(opened, case)


async def test_a_person_books_moves_and_cancels_only_their_own_meeting(
    scheduling: Scheduling, database: Any
) -> None:
    key = await scheduling.key()
    await scheduling.advisor(key)
    await case_opened(scheduling, "case-kari", "person-kari", "HOP-TEST-0002")
    me = f"/v1/me/{token_of('person-kari')}"

    async def offered() -> list[dict[str, Any]]:
        response = await scheduling.client.get(f"{me}/meetings")
        offers = response.json()["offers"] if response.status_code == 200 else []
        return offers[0]["slots"] if offers else []

    slots = await eventually(offered, what="times offered for the new case")
    assert len(slots) >= 2
    booked = await scheduling.client.post(
        f"{me}/bookings", json={"case_id": "case-kari", "start": slots[0]["start"]}
    )
    assert booked.status_code == 201, booked.text
    booking = booked.json()
    assert booking["booked_by"] == "entrepreneur"
    assert booking["mode"] == "digital"

    someone_else = f"/v1/me/{token_of('person-ola')}"
    stolen = await scheduling.client.post(f"{someone_else}/bookings/{booking['id']}/cancel")
    assert stolen.status_code == 404
    not_theirs = await scheduling.client.post(
        f"{someone_else}/bookings", json={"case_id": "case-kari", "start": slots[1]["start"]}
    )
    assert not_theirs.status_code == 404
    forged = await scheduling.client.get(f"/v1/me/{token_of('person-kari')[:-2]}xx/meetings")
    assert forged.status_code == 401

    moved = await scheduling.client.post(
        f"{me}/bookings/{booking['id']}/reschedule", json={"start": slots[1]["start"]}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["advisor_id"] == booking["advisor_id"]  # the same advisor kept
    cancelled = await scheduling.client.post(f"{me}/bookings/{booking['id']}/cancel")
    assert cancelled.json()["status"] == "cancelled"
    stored = await database["bookings"].find_one({"_id": booking["id"]})
    assert stored is not None
    assert [h["status"] for h in stored["history"]] == ["booked", "rescheduled", "cancelled"]

    erased = intake_events.ErasureRequested(
        person_id="person-kari", case_ids=["case-kari"], requested_at=datetime.now(UTC)
    )
    await scheduling.publish(erased, "person-kari")

    async def refused() -> bool:
        return (await scheduling.client.get(f"{me}/meetings")).status_code == 401

    await eventually(refused, what="the erased person's link refused")


async def test_an_erased_person_s_link_is_dead_here_before_the_erasure_event_arrives(
    scheduling: Scheduling, database: Any
) -> None:
    """Intake's first step of an erasure destroys the person's key in the vault; the link is
    refused from that moment, though no erasure event has reached scheduling (none is sent)."""
    key = await scheduling.key()
    await scheduling.advisor(key)
    await case_opened(scheduling, "case-eva", "person-eva", "HOP-TEST-0003")
    token = token_of("person-eva")

    async def offered() -> bool:
        response = await scheduling.client.get(f"/v1/me/{token}/meetings")
        return response.status_code == 200 and bool(response.json()["offers"])

    await eventually(offered, what="times offered for the new case")
    assert (await scheduling.client.get(f"/v1/me/{token}/programmes")).status_code == 200

    await vault_for_tests(database).destroy("person-eva")  # as intake's erasure begins

    for path in (f"/v1/me/{token}/meetings", f"/v1/me/{token}/programmes"):
        refused = await scheduling.client.get(path)
        assert refused.status_code == 401, (path, refused.text)
    page = await scheduling.client.get(f"/pages/me/{token}/meetings")
    assert page.status_code == 404 and "booking" not in page.text.lower(), page.text
