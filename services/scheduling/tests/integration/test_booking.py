"""Booking through the real HTTP interface: no double booking (enforced by the store's unique
claims, raced for real), reschedule, cancel, held / no-show, the meeting's calendar file."""

import asyncio
from datetime import UTC, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from scheduling_support import OFFICE, Scheduling, bearer, working_day

from hoppid.scheduling.model import oslo_instant
from hoppid.shared.testing import of_type, read_envelopes

# its outcome could depend on the hour, weekday or DST: scripts/time_of_day.sh
pytestmark = pytest.mark.time_of_day

RACERS = 8


def at(hour: int, minute: int = 0, days_ahead: int = 8) -> datetime:
    instant = oslo_instant(working_day(days_ahead), time(hour, minute))
    assert instant is not None
    return instant


def booking(start: datetime, n: int = 1, **changes: Any) -> dict[str, Any]:
    body = {
        "case_id": f"case-{n}",
        "person_id": f"person-{n}",
        "meeting_type": "first_guidance",
        "start": start.isoformat(),
        "mode": "in_person",
    }
    body.update(changes)
    return body


async def post(
    scheduling: Scheduling, key: str, path: str, body: dict[str, Any] | None = None
) -> httpx.Response:
    return await scheduling.client.post(
        f"/v1/offices/{OFFICE}/bookings{path}", json=body, headers=bearer(key)
    )


async def test_racing_bookings_of_one_slot_one_wins_the_others_get_409_with_fresh_slots(
    scheduling: Scheduling, database: Any
) -> None:
    admin = await scheduling.key()
    advisor = await scheduling.advisor(admin)
    start = at(10)
    bodies = [booking(start, n, advisor_id=advisor["id"]) for n in range(RACERS)]
    answers = await asyncio.gather(*(post(scheduling, admin, "", b) for b in bodies))

    codes = sorted(a.status_code for a in answers)
    assert codes == [201] + [409] * (RACERS - 1), [a.text for a in answers]
    for lost in (a for a in answers if a.status_code == 409):
        assert lost.headers["content-type"] == "application/problem+json"
        fresh = lost.json()["slots"]
        assert fresh and all(datetime.fromisoformat(s["start"]) != start for s in fresh)
    won = next(a.json() for a in answers if a.status_code == 201)
    assert won["advisor_id"] == advisor["id"] and won["status"] == "booked"
    assert await database["bookings"].count_documents({"status": "booked"}) == 1
    # 60 minutes and the 15-minute buffer: five claimed cells, all the winner's
    claims = [c async for c in database["claims"].find({})]
    assert len(claims) == 5 and {c["booking_id"] for c in claims} == {won["id"]}

    found = await read_envelopes(
        scheduling.topic, lambda es: bool(of_type(es, "scheduling.meeting.booked.v1"))
    )
    booked = of_type([e for _, e in found], "scheduling.meeting.booked.v1")
    assert len(booked) == 1 and booked[0].subject == won["id"]
    assert booked[0].office == OFFICE and booked[0].municipality == "1539"
    assert booked[0].data["case_id"] == won["case_id"]
    assert "Ola" not in str(booked[0].data)  # the advisor is an id on the topic


async def test_overlapping_meetings_of_different_lengths_race_and_one_wins(
    scheduling: Scheduling, database: Any
) -> None:
    admin = await scheduling.key()
    advisor = await scheduling.advisor(admin)
    long_one = booking(at(10), 1, advisor_id=advisor["id"])  # 10:00-11:00 (+buffer)
    short_one = booking(at(10, 30), 2, advisor_id=advisor["id"], meeting_type="follow_up")
    for _ in range(3):  # a few rounds: the winner varies, there is always exactly one
        answers = await asyncio.gather(
            post(scheduling, admin, "", long_one), post(scheduling, admin, "", short_one)
        )
        assert sorted(a.status_code for a in answers) == [201, 409]
        winner = next(a.json() for a in answers if a.status_code == 201)
        cancelled = await post(scheduling, admin, f"/{winner['id']}/cancel", {"reason": "office"})
        assert cancelled.status_code == 200, cancelled.text
    assert await database["claims"].count_documents({}) == 0  # cancelling frees every cell


async def test_without_an_advisor_the_least_loaded_free_one_gets_it(
    scheduling: Scheduling,
) -> None:
    admin = await scheduling.key()
    ola = await scheduling.advisor(admin)
    kari = await scheduling.advisor(admin, name="Kari", email="kari@nordveggen.example")
    first = await post(scheduling, admin, "", booking(at(9), 1, advisor_id=ola["id"]))
    assert first.status_code == 201
    second = await post(scheduling, admin, "", booking(at(13), 2))
    assert second.json()["advisor_id"] == kari["id"]  # Ola has one meeting already
    third = await post(scheduling, admin, "", booking(at(13), 3))
    assert third.json()["advisor_id"] == ola["id"]  # Kari is busy then
    fourth = await post(scheduling, admin, "", booking(at(13), 4))
    assert fourth.status_code == 409  # nobody is free at 13:00 any more


async def test_reschedule_keeps_the_advisor_when_free_and_cancel_frees_the_time(
    scheduling: Scheduling, database: Any
) -> None:
    admin = await scheduling.key()
    ola = await scheduling.advisor(admin)
    await scheduling.advisor(admin, name="Kari", email="kari@nordveggen.example")
    made = await post(scheduling, admin, "", booking(at(9), advisor_id=ola["id"]))
    booking_id = made.json()["id"]

    moved = await post(
        scheduling, admin, f"/{booking_id}/reschedule", {"start": at(9, 30).isoformat()}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["advisor_id"] == ola["id"]  # overlapping its own old time is fine
    assert datetime.fromisoformat(moved.json()["start"]) == at(9, 30)
    assert moved.json()["sequence"] == 1
    assert {c["cell"] for c in [c async for c in database["claims"].find({})]} == {
        (at(9, 30) + timedelta(minutes=15 * n)).replace(tzinfo=UTC) for n in range(5)
    }  # fmt: skip
    # 09:00 is free again: another booking takes it
    other = await post(scheduling, admin, "", booking(at(8, 0), 2, advisor_id=ola["id"]))
    assert other.status_code == 409  # 08:00 is before Ola's hours
    late = await post(scheduling, admin, "", booking(at(11), 2, advisor_id=ola["id"]))
    assert late.status_code == 201

    ics = await scheduling.client.get(
        f"/v1/offices/{OFFICE}/bookings/{booking_id}/calendar.ics", headers=bearer(admin)
    )
    assert ics.headers["content-type"].startswith("text/calendar")
    assert f"UID:{booking_id}@hoppid\r\n" in ics.text
    assert "DTSTART;TZID=Europe/Oslo:" + f"{at(9, 30):%Y%m%dT093000}\r\n" in ics.text
    assert "SEQUENCE:1\r\n" in ics.text

    cancelled = await post(scheduling, admin, f"/{booking_id}/cancel", {"reason": "entrepreneur"})
    assert cancelled.json()["status"] == "cancelled"
    again = await post(scheduling, admin, f"/{booking_id}/cancel", {"reason": "entrepreneur"})
    assert again.status_code == 409
    retaken = await post(scheduling, admin, "", booking(at(9, 30), 3, advisor_id=ola["id"]))
    assert retaken.status_code == 201

    found = await read_envelopes(
        scheduling.topic, lambda es: bool(of_type(es, "scheduling.meeting.cancelled.v1"))
    )
    mine = [e for _, e in found if e.subject == booking_id]
    assert [e.type.split(".")[3:5] for e in mine] == [
        ["meeting", "booked"],
        ["meeting", "rescheduled"],
        ["meeting", "cancelled"],
    ]
    assert mine[1].data["previous_start"] == at(9).astimezone(UTC).isoformat().replace(
        "+00:00", "Z"
    )
    assert mine[2].data["reason"] == "entrepreneur"


async def test_staff_mark_a_started_meeting_held_or_no_show(
    scheduling: Scheduling, database: Any
) -> None:
    admin = await scheduling.key()
    advisor = await scheduling.advisor(admin)
    future = await post(scheduling, admin, "", booking(at(9), advisor_id=advisor["id"]))
    too_early = await post(scheduling, admin, f"/{future.json()['id']}/held")
    assert too_early.status_code == 422
    assert too_early.json()["errors"][0]["field"] == "status"

    # meetings that have started: written as a booking of an earlier day would be
    started = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    for booking_id in ("past-1", "past-2"):
        document = {**(await database["bookings"].find_one({"_id": future.json()["id"]}))}
        document.update(_id=booking_id, start=started, end=started + timedelta(hours=1))
        document.update(claim_ids=[], cells=[], outbox=[])
        await database["bookings"].insert_one(document)
    held = await post(scheduling, admin, "/past-1/held")
    assert held.status_code == 200 and held.json()["status"] == "held"
    missed = await post(scheduling, admin, "/past-2/no-show")
    assert missed.json()["status"] == "missed"
    twice = await post(scheduling, admin, "/past-2/held")
    assert twice.status_code == 409

    found = await read_envelopes(
        scheduling.topic, lambda es: bool(of_type(es, "scheduling.meeting.missed.v1"))
    )
    envelopes = [e for _, e in found]
    assert [e.subject for e in of_type(envelopes, "scheduling.meeting.held.v1")] == ["past-1"]
    assert [e.subject for e in of_type(envelopes, "scheduling.meeting.missed.v1")] == ["past-2"]


async def test_the_office_s_private_feed_has_every_meeting_of_the_office(
    scheduling: Scheduling,
) -> None:
    admin = await scheduling.key()
    await scheduling.advisor(admin)
    first = await post(scheduling, admin, "", booking(at(9), 1))
    second = await post(scheduling, admin, "", booking(at(11), 2))
    assert (first.status_code, second.status_code) == (201, 201)
    advisor_key = await scheduling.key(role="advisor")
    refused = await scheduling.client.post(
        f"/v1/offices/{OFFICE}/feed", headers=bearer(advisor_key)
    )
    assert refused.status_code == 403  # only the office's admins manage its feed

    made = await scheduling.client.post(f"/v1/offices/{OFFICE}/feed", headers=bearer(admin))
    path = httpx.URL(made.json()["feed_url"]).path
    feed = await scheduling.client.get(path)
    assert feed.headers["content-type"].startswith("text/calendar")
    unfolded = feed.text.replace("\r\n ", "")
    assert f"UID:{first.json()['id']}" in unfolded and f"UID:{second.json()['id']}" in unfolded

    await scheduling.client.post(f"/v1/offices/{OFFICE}/feed", headers=bearer(admin))
    assert (await scheduling.client.get(path)).status_code == 404  # the old link ends
    office = await scheduling.client.get(f"/v1/offices/{OFFICE}", headers=bearer(admin))
    assert "feed_token_hash" not in office.text
