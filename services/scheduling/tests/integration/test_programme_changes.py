"""An office admin changes a programme (a session's time, its capacity) and cancels it whole,
through the running service against the real Kafka and store: a capacity below the seats taken
is refused naming ``capacity``, a raised one seats the first waiting, a started session stays;
a cancellation ends every enrolment with one event each and the programme's own, once, however
often it is asked; advisors are refused (403), another office's programme is not found (404)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from scheduling_support import OFFICE, Scheduling, bearer

from hoppid.shared.testing import of_type, read_envelopes

# the sessions lie around the service's now: scripts/time_of_day.sh
pytestmark = pytest.mark.time_of_day

PROGRAMMES = f"/v1/offices/{OFFICE}/programmes"


def _at(days: float) -> str:
    now = datetime.now(UTC).replace(microsecond=0)
    return (now + timedelta(days=days)).isoformat()


async def course(scheduling: Scheduling, key: str, capacity: int = 2) -> dict[str, Any]:
    """A course with one session held yesterday and one next week, two people seated and one
    waiting."""
    body = {
        "kind": "course",
        "title": "Regnskap for nybegynnere",
        "capacity": capacity,
        "minimum": 1,
        "sessions": [
            {"start": _at(-1), "end": _at(-0.9)},
            {"start": _at(7), "end": _at(7.1)},
        ],
    }
    created = await scheduling.client.post(PROGRAMMES, json=body, headers=bearer(key))
    assert created.status_code == 201, created.text
    programme = dict(created.json())
    for n in range(capacity + 1):
        path = f"{PROGRAMMES}/{programme['id']}/enrolments"
        enrolled = await scheduling.client.post(
            path, json={"person_id": f"person-{n}"}, headers=bearer(key)
        )
        assert enrolled.status_code == 201, enrolled.text
    return programme


def field_of(response: Any) -> str:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return str(response.json()["errors"][0]["field"])


async def test_an_admin_moves_a_session_and_raises_the_capacity_seating_the_first_waiting(
    scheduling: Scheduling,
) -> None:
    key = await scheduling.key()
    programme = await course(scheduling, key)
    path = f"{PROGRAMMES}/{programme['id']}"
    client = scheduling.client

    below = await client.patch(path, json={"capacity": 1}, headers=bearer(key))
    assert field_of(below) == "capacity"
    assert field_of(await client.patch(path, json={"capacity": 0}, headers=bearer(key))) == (
        "capacity"
    )
    started = {"sessions": [{"id": "s1", "start": _at(3), "end": _at(3.1)}]}
    assert field_of(await client.patch(path, json=started, headers=bearer(key))) == (
        "sessions.0.start"
    )
    backwards = {"sessions": [{"id": "s2", "start": _at(9), "end": _at(8)}]}
    assert field_of(await client.patch(path, json=backwards, headers=bearer(key))) == (
        "sessions.0.end"
    )
    unknown = {"sessions": [{"id": "s9", "start": _at(9), "end": _at(9.1)}]}
    assert field_of(await client.patch(path, json=unknown, headers=bearer(key))) == (
        "sessions.0.id"
    )

    advisor = await scheduling.key(role="advisor")
    assert (
        await client.patch(path, json={"capacity": 5}, headers=bearer(advisor))
    ).status_code == (403)
    molde = await scheduling.key(office="molde")
    elsewhere = f"/v1/offices/molde/programmes/{programme['id']}"
    assert (
        await client.patch(elsewhere, json={"capacity": 5}, headers=bearer(molde))
    ).status_code == (404)

    change = {"capacity": 3, "sessions": [{"id": "s2", "start": _at(8), "end": _at(8.1)}]}
    changed = await client.patch(path, json=change, headers=bearer(key))
    assert changed.status_code == 200, changed.text
    assert changed.json()["changed"] == ["sessions", "capacity"]
    assert len(changed.json()["promoted"]) == 1
    again = await client.patch(path, json=change, headers=bearer(key))
    assert again.status_code == 200 and again.json()["changed"] == []

    view = (await client.get(path, headers=bearer(key))).json()
    assert view["capacity"] == 3 and view["taken"] == 3 and view["waitlist"] == []
    assert [s["start"][:19] for s in view["sessions"]][1] == _at(8)[:19]

    def told(envelopes: list[Any]) -> bool:
        return bool(of_type(envelopes, "scheduling.programme.changed.v1"))

    found = [e for _, e in await read_envelopes(scheduling.topic, told)]
    mine = [e for e in found if e.subject == programme["id"]]
    (event,) = of_type(mine, "scheduling.programme.changed.v1")
    assert event.data["changed"] == ["sessions", "capacity"]
    assert (event.data["capacity"], event.data["previous_capacity"]) == (3, 2)
    assert [s["id"] for s in event.data["sessions"]] == ["s1", "s2"]
    assert len(of_type(mine, "scheduling.programme.promoted.v1")) == 1
    assert "Regnskap" not in str(event.data) and "person-" not in str(event.data)


async def test_cancelling_a_programme_ends_every_enrolment_once_and_takes_no_more(
    scheduling: Scheduling, database: Any
) -> None:
    key = await scheduling.key()
    programme = await course(scheduling, key)
    path = f"{PROGRAMMES}/{programme['id']}"
    client = scheduling.client

    advisor = await scheduling.key(role="advisor")
    assert (await client.post(f"{path}/cancel", headers=bearer(advisor))).status_code == 403
    molde = await scheduling.key(office="molde")
    elsewhere = f"/v1/offices/molde/programmes/{programme['id']}/cancel"
    assert (await client.post(elsewhere, headers=bearer(molde))).status_code == 404

    cancelled = await client.post(f"{path}/cancel", headers=bearer(key))
    assert cancelled.status_code == 200, cancelled.text
    assert len(cancelled.json()["ended"]) == 3
    again = await client.post(f"{path}/cancel", headers=bearer(key))
    assert again.status_code == 200 and again.json()["ended"] == []

    late = await client.post(f"{path}/enrolments", json={"person_id": "p-9"}, headers=bearer(key))
    assert late.status_code == 409
    moved = await client.patch(path, json={"capacity": 5}, headers=bearer(key))
    assert moved.status_code == 409
    view = (await client.get(path, headers=bearer(key))).json()
    assert view["cancelled"] is True and view["taken"] == 0 and view["seats"] == []
    stored = await database["programmes"].find_one({"_id": programme["id"]})
    assert stored["people"] == [] and stored["session_reminders"] == []

    def told(envelopes: list[Any]) -> bool:
        return bool(of_type(envelopes, "scheduling.programme.cancelled.v1"))

    found = [e for _, e in await read_envelopes(scheduling.topic, told)]
    mine = [e for e in found if e.subject == programme["id"]]
    (event,) = of_type(mine, "scheduling.programme.cancelled.v1")
    assert (event.data["enrolments_ended"], event.data["seats_freed"]) == (3, 2)
    ended = of_type(mine, "scheduling.programme.enrolment_cancelled.v1")
    assert sorted(e.data["was"] for e in ended) == ["enrolled", "enrolled", "waitlisted"]
    assert {e.data["reason"] for e in ended} == {"programme_cancelled"}
    assert mine[-1].type.endswith("programme.cancelled.v1")  # after the enrolments it ended
