"""Ids from another office, tried on every route that takes a case, person, advisor, desk or
programme from the request (issue 13, "Access"): through the real HTTP API of the running
service, against the real Kafka and store. Each answer is a 404 problem+json naming the field,
and nothing is written; the same request with the office's own ids succeeds.

The cases are known to scheduling as intake makes them known: by ``case.opened`` on intake's
topic (a case of Kari at Nordveggen, a case of Mona at Molde)."""

from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any

import httpx
import pytest
from scheduling_support import OFFICE, Scheduling, bearer, working_day

from hoppid.contracts import intake as intake_events
from hoppid.scheduling.model import oslo_instant
from hoppid.shared.clock import real_now
from hoppid.shared.links import sign_link
from hoppid.shared.testing import TEST_LINK_SECRET, eventually

# it books days ahead of today (a working day, no holiday): scripts/time_of_day.sh
pytestmark = pytest.mark.time_of_day

OTHER = "molde"
OURS = {"case_id": "case-kari", "person_id": "person-kari"}  # Kari's case at Nordveggen
THEIRS = {"case_id": "case-mona", "person_id": "person-mona"}  # Mona's case at Molde


@dataclass
class Offices:
    key: str  # Nordveggen's office admin
    other_key: str  # Molde's office admin
    advisor: str  # Nordveggen's
    other_advisor: str  # Molde's


def token_of(person_id: str) -> str:
    return sign_link(TEST_LINK_SECRET, person_id, 0, real_now(), days=30)


def at(hour: int) -> str:
    instant = oslo_instant(working_day(8), time(hour))
    assert instant is not None
    return instant.isoformat()


async def open_case(scheduling: Scheduling, office: str, case_id: str, person_id: str) -> None:
    opened = intake_events.CaseOpened(
        case_id=case_id,
        office_id=office,
        person_id=person_id,
        reference=f"HOP-TEST-{case_id}",
        municipality="1539" if office == OFFICE else "1506",
        needs=["guidance"],
        stage="idea",
        language="nb",
        meeting_mode="in_person",
        opened_at=real_now(),
        first_case_of_person=True,
    )
    await scheduling.publish(opened, case_id, office=office)

    async def offered() -> bool:
        mine = await scheduling.client.get(f"/v1/me/{token_of(person_id)}/meetings")
        return mine.status_code == 200 and bool(mine.json()["offers"])

    await eventually(offered, what=f"scheduling knowing {case_id}")


async def two_offices(scheduling: Scheduling) -> Offices:
    key, other_key = await scheduling.key(), await scheduling.key(OTHER)
    advisor = await scheduling.advisor(key)
    other_advisor = await scheduling.advisor(other_key, office=OTHER)
    await open_case(scheduling, OFFICE, **OURS)
    await open_case(scheduling, OTHER, **THEIRS)
    return Offices(key, other_key, advisor["id"], other_advisor["id"])


def refused(answer: httpx.Response, field: str) -> None:
    """A 404 problem+json that names the field (and says no more about the other office)."""
    assert answer.status_code == 404, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in answer.json()["errors"]] == [field], answer.text


async def post(
    scheduling: Scheduling, path: str, body: dict[str, Any], key: str | None = None
) -> httpx.Response:
    headers = bearer(key) if key else {}
    return await scheduling.client.post(path, json=body, headers=headers)


def meeting(start: str, **ids: Any) -> dict[str, Any]:
    return {"start": start, "mode": "in_person", **OURS, **ids}


async def test_staff_book_a_meeting_only_for_their_office_s_cases_people_and_advisors(
    scheduling: Scheduling, database: Any
) -> None:
    offices = await two_offices(scheduling)
    path = f"/v1/offices/{OFFICE}/bookings"
    tries = {
        "case_id": meeting(at(9), **THEIRS),
        "person_id": meeting(at(9), person_id=THEIRS["person_id"]),  # Kari's case, Mona
        "advisor_id": meeting(at(9), advisor_id=offices.other_advisor),
    }
    for field, body in tries.items():
        refused(await post(scheduling, path, body, offices.key), field)
    # a case scheduling has not seen yet is taken (intake's event may be on its way), but not
    # with a person it knows only at another office
    unseen = meeting(at(9), case_id="case-unseen", person_id=THEIRS["person_id"])
    refused(await post(scheduling, path, unseen, offices.key), "person_id")
    assert await database["bookings"].count_documents({}) == 0
    assert await database["claims"].count_documents({}) == 0

    ours = await post(scheduling, path, meeting(at(9), advisor_id=offices.advisor), offices.key)
    assert ours.status_code == 201, ours.text
    fresh = meeting(at(11), case_id="case-unseen", person_id="person-unseen")
    assert (await post(scheduling, path, fresh, offices.key)).status_code == 201


async def test_staff_move_a_meeting_only_to_their_office_s_advisors(
    scheduling: Scheduling, database: Any
) -> None:
    offices = await two_offices(scheduling)
    path = f"/v1/offices/{OFFICE}/bookings"
    booked = await post(scheduling, path, meeting(at(9)), offices.key)
    assert booked.status_code == 201, booked.text
    move = f"{path}/{booked.json()['id']}/reschedule"
    to_theirs = {"start": at(11), "advisor_id": offices.other_advisor}
    refused(await post(scheduling, move, to_theirs, offices.key), "advisor_id")
    stored = await database["bookings"].find_one({"_id": booked.json()["id"]})
    assert stored["sequence"] == 0 and stored["advisor_id"] == offices.advisor
    to_ours = {"start": at(11), "advisor_id": offices.advisor}
    assert (await post(scheduling, move, to_ours, offices.key)).status_code == 200


async def test_staff_enrol_only_their_office_s_cases_and_people(
    scheduling: Scheduling, database: Any
) -> None:
    offices = await two_offices(scheduling)
    course = await programme(scheduling, offices.key, OFFICE)
    path = f"/v1/offices/{OFFICE}/programmes/{course}/enrolments"
    refused(await post(scheduling, path, THEIRS, offices.key), "case_id")
    refused(
        await post(scheduling, path, {**OURS, "person_id": "person-mona"}, offices.key), "person_id"
    )
    refused(await post(scheduling, path, {"person_id": "person-mona"}, offices.key), "person_id")
    stored = await database["programmes"].find_one({"_id": course})
    assert stored["taken"] == 0 and stored["waiting"] == [] and stored["people"] == []
    assert (await post(scheduling, path, OURS, offices.key)).status_code == 201


async def test_staff_book_a_desk_only_of_their_office_for_their_office_s_people(
    scheduling: Scheduling, database: Any
) -> None:
    offices = await two_offices(scheduling)
    ours, theirs = (
        await desk(scheduling, offices.key, OFFICE),
        await desk(scheduling, offices.other_key, OTHER),
    )
    path = f"/v1/offices/{OFFICE}/seat-bookings"
    day = {"day": working_day(8).isoformat(), "half": "morning"}
    refused(
        await post(scheduling, path, {**day, "person_id": "person-mona"}, offices.key), "person_id"
    )
    refused(await post(scheduling, path, {**day, "desk_id": theirs}, offices.key), "desk_id")
    assert await database["seat_bookings"].count_documents({}) == 0
    mine = {**day, "desk_id": ours, "person_id": "person-kari"}
    assert (await post(scheduling, path, mine, offices.key)).status_code == 201


async def test_a_person_enrols_only_in_their_own_office_s_programmes_for_their_own_cases(
    scheduling: Scheduling, database: Any
) -> None:
    offices = await two_offices(scheduling)
    ours = await programme(scheduling, offices.key, OFFICE)
    theirs = await programme(scheduling, offices.other_key, OTHER)
    me = f"/v1/me/{token_of('person-kari')}/programmes"
    listed = (await scheduling.client.get(me)).json()["open"]
    assert [p["id"] for p in listed] == [ours]  # Molde's course is not offered to Kari
    refused(await post(scheduling, f"{me}/{theirs}/enrol", {}), "programme_id")
    not_mine = {"case_id": THEIRS["case_id"]}
    refused(await post(scheduling, f"{me}/{ours}/enrol", not_mine), "case_id")
    for course in (ours, theirs):
        stored = await database["programmes"].find_one({"_id": course})
        assert stored["people"] == []
    mine = await post(scheduling, f"{me}/{ours}/enrol", {"case_id": OURS["case_id"]})
    assert mine.status_code == 201, mine.text


async def test_a_person_books_and_moves_only_with_their_office_s_advisors(
    scheduling: Scheduling, database: Any
) -> None:
    offices = await two_offices(scheduling)
    me = f"/v1/me/{token_of('person-kari')}/bookings"
    theirs = {"case_id": "case-kari", "start": at(9), "advisor_id": offices.other_advisor}
    refused(await post(scheduling, me, theirs), "advisor_id")
    assert await database["bookings"].count_documents({}) == 0
    booked = await post(scheduling, me, {**theirs, "advisor_id": offices.advisor})
    assert booked.status_code == 201, booked.text
    move = f"{me}/{booked.json()['id']}/reschedule"
    refused(
        await post(scheduling, move, {"start": at(11), "advisor_id": offices.other_advisor}),
        "advisor_id",
    )
    assert (await post(scheduling, move, {"start": at(11)})).status_code == 200


async def programme(scheduling: Scheduling, key: str, office: str) -> str:
    start = real_now().replace(microsecond=0) + timedelta(days=10)
    body = {
        "kind": "course",
        "title": "Start og drift",
        "capacity": 5,
        "sessions": [{"start": start.isoformat(), "end": (start + timedelta(hours=3)).isoformat()}],
    }
    made = await post(scheduling, f"/v1/offices/{office}/programmes", body, key)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


async def desk(scheduling: Scheduling, key: str, office: str) -> str:
    made = await post(scheduling, f"/v1/offices/{office}/desks", {"name": "Vindu"}, key)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])
