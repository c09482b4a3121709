"""Group programmes through the running service: capacity kept by the store under racing
enrolments, the waitlist promoted exactly once, attendance, school classes as head counts, and
a person enrolling through their own link."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from scheduling_support import OFFICE, Scheduling, bearer

from hoppid.shared.links import sign_link
from hoppid.shared.testing import TEST_LINK_SECRET, of_type, read_envelopes

# its outcome could depend on the hour, weekday or DST: scripts/time_of_day.sh
pytestmark = pytest.mark.time_of_day

SECRET = TEST_LINK_SECRET  # the one the services the tests start run with
RACERS = 8
PROGRAMMES = f"/v1/offices/{OFFICE}/programmes"


def programme_form(kind: str = "course", capacity: int = 3, **changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC).replace(microsecond=0)
    body: dict[str, Any] = {
        "kind": kind,
        "title": "Start og drift av eget firma",
        "capacity": capacity,
        "minimum": 2,
        "sessions": [  # one held yesterday (attendance can be recorded), one next week
            {
                "start": (now - timedelta(days=1)).isoformat(),
                "end": (now - timedelta(hours=21)).isoformat(),
            },
            {
                "start": (now + timedelta(days=7)).isoformat(),
                "end": (now + timedelta(days=7, hours=3)).isoformat(),
            },
        ],
    }
    body.update(changes)
    return body


async def create(scheduling: Scheduling, key: str, **changes: Any) -> dict[str, Any]:
    response = await scheduling.client.post(
        PROGRAMMES, json=programme_form(**changes), headers=bearer(key)
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def enrol(
    scheduling: Scheduling, key: str, programme_id: str, body: dict[str, Any]
) -> httpx.Response:
    return await scheduling.client.post(
        f"{PROGRAMMES}/{programme_id}/enrolments", json=body, headers=bearer(key)
    )


async def test_racing_enrolments_fill_three_seats_and_a_cancellation_promotes_exactly_one(
    scheduling: Scheduling, database: Any
) -> None:
    key = await scheduling.key()
    course = await create(scheduling, key)
    assert course["sessions"][0]["start_oslo"].endswith(("+01:00", "+02:00"))
    bodies = [{"person_id": f"person-{n}", "case_id": f"case-{n}"} for n in range(RACERS)]
    answers = await asyncio.gather(*(enrol(scheduling, key, course["id"], b) for b in bodies))

    assert all(a.status_code == 201 for a in answers), [a.text for a in answers]
    statuses = sorted(a.json()["status"] for a in answers)
    assert statuses == ["enrolled"] * 3 + ["waitlisted"] * (RACERS - 3)
    stored = await database["programmes"].find_one({"_id": course["id"]})
    assert stored["taken"] == 3 and len(stored["seats"]) == 3
    assert len(stored["waiting"]) == RACERS - 3
    first_waiting = stored["waiting"][0]

    again = await enrol(scheduling, key, course["id"], bodies[0])
    assert again.status_code == 409  # one enrolment per person

    # cancel a seated one: the first waiting gets the seat, nobody else
    seated = stored["seats"][1]["id"]
    cancel_path = f"{PROGRAMMES}/{course['id']}/enrolments/{seated}/cancel"
    cancelled = await scheduling.client.post(cancel_path, headers=bearer(key))
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["promoted"] == [first_waiting["id"]]
    twice = await scheduling.client.post(cancel_path, headers=bearer(key))
    assert twice.status_code == 404
    view = (await scheduling.client.get(f"{PROGRAMMES}/{course['id']}", headers=bearer(key))).json()
    assert view["taken"] == 3 and view["free_seats"] == 0 and len(view["waitlist"]) == RACERS - 4
    assert first_waiting["id"] in {s["id"] for s in view["seats"]}
    assert view["reaches_minimum"] is True

    # attendance of yesterday's session: two of the seated came; a repeat adds nothing
    came = [{"enrolment_id": s["id"]} for s in view["seats"][:2]]
    path = f"{PROGRAMMES}/{course['id']}/sessions/s1/attendance"
    for _ in range(2):
        marked = await scheduling.client.post(path, json={"attended": came}, headers=bearer(key))
        assert marked.status_code == 200, marked.text
    future = f"{PROGRAMMES}/{course['id']}/sessions/s2/attendance"
    early = await scheduling.client.post(future, json={"attended": came}, headers=bearer(key))
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "session_id"

    def complete(envelopes: list[Any]) -> bool:
        return len(of_type(envelopes, "scheduling.session.attended.v1")) >= 2

    found = [e for _, e in await read_envelopes(scheduling.topic, complete)]
    mine = [e for e in found if e.subject == course["id"]]
    assert len(of_type(mine, "scheduling.programme.enrolled.v1")) == 3
    assert len(of_type(mine, "scheduling.programme.waitlisted.v1")) == RACERS - 3
    promoted = of_type(mine, "scheduling.programme.promoted.v1")
    assert len(promoted) == 1 and promoted[0].data["enrolment_id"] == first_waiting["id"]
    assert len(of_type(mine, "scheduling.programme.enrolment_cancelled.v1")) == 1
    attended = of_type(mine, "scheduling.session.attended.v1")
    assert len(attended) == 2 and {a.data["kind"] for a in attended} == {"course"}
    assert all("Start og drift" not in str(e.data) for e in mine)  # titles stay in the store


async def test_school_classes_take_seats_by_head_count_without_personal_data(
    scheduling: Scheduling, database: Any
) -> None:
    key = await scheduling.key()
    school = await create(scheduling, key, kind="school_programme", capacity=25)
    class_a = {"school": "Åndalsnes ungdomsskole", "school_class": "9A", "participants": 20}
    first = await enrol(scheduling, key, school["id"], class_a)
    assert first.status_code == 201 and first.json()["status"] == "enrolled"
    class_b = {**class_a, "school_class": "9B", "participants": 10}
    second = await enrol(scheduling, key, school["id"], class_b)
    assert second.json()["status"] == "waitlisted"
    person = await enrol(scheduling, key, school["id"], {"person_id": "person-1"})
    assert person.status_code == 422 and person.json()["errors"][0]["field"] == "school"

    cancel = f"{PROGRAMMES}/{school['id']}/enrolments/{first.json()['enrolment_id']}/cancel"
    promoted = (await scheduling.client.post(cancel, headers=bearer(key))).json()["promoted"]
    assert promoted == [second.json()["enrolment_id"]]
    path = f"{PROGRAMMES}/{school['id']}/sessions/s1/attendance"
    body = {"attended": [{"enrolment_id": promoted[0], "participants": 8}]}
    marked = await scheduling.client.post(path, json=body, headers=bearer(key))
    assert marked.status_code == 200 and marked.json()["attended"] == {promoted[0]: 8}
    too_many = {"attended": [{"enrolment_id": promoted[0], "participants": 11}]}
    refused = await scheduling.client.post(path, json=too_many, headers=bearer(key))
    assert refused.status_code == 422

    def attended(envelopes: list[Any]) -> bool:
        return bool(of_type(envelopes, "scheduling.session.attended.v1"))

    found = [e for _, e in await read_envelopes(scheduling.topic, attended)]
    event = of_type(found, "scheduling.session.attended.v1")[0]
    assert event.data["participants"] == 8 and event.data["kind"] == "school_programme"
    assert event.data["person_id"] is None


async def test_a_person_enrols_and_cancels_through_their_link_and_sees_no_one_else(
    scheduling: Scheduling, database: Any
) -> None:
    key = await scheduling.key()
    later = datetime.now(UTC).replace(microsecond=0) + timedelta(days=10)
    session = {"start": later.isoformat(), "end": (later + timedelta(hours=6)).isoformat()}
    camp = await create(
        scheduling, key, kind="innovation_camp", capacity=1, minimum=1, sessions=[session]
    )
    await enrol(scheduling, key, camp["id"], {"person_id": "person-other"})
    me = f"/v1/me/{sign_link(SECRET, 'person-kari', 0, datetime.now(UTC), days=30)}/programmes"
    listing = (await scheduling.client.get(me)).json()
    assert listing["enrolments"] == []
    offered = [p for p in listing["open"] if p["id"] == camp["id"]]
    assert offered and offered[0]["free_seats"] == 0 and "seats" not in offered[0]
    joined = await scheduling.client.post(f"{me}/{camp['id']}/enrol", json={})
    assert joined.status_code == 201 and joined.json()["status"] == "waitlisted"
    mine = (await scheduling.client.get(me)).json()["enrolments"]
    assert [(m["id"], m["status"], m["position"]) for m in mine] == [(camp["id"], "waitlisted", 1)]
    assert "person-other" not in str(mine)
    left = await scheduling.client.post(f"{me}/{camp['id']}/cancel")
    assert left.status_code == 200
    assert (await scheduling.client.post(f"{me}/{camp['id']}/cancel")).status_code == 404
    assert (await scheduling.client.get("/v1/me/not-a-token/programmes")).status_code == 401
