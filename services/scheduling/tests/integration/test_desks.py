"""Office seats through the running service: racing bookings of the last desk (one wins, by
the store's unique claim), cancellation and the no-show release freeing the desk, check-in."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from scheduling_support import OFFICE, Scheduling, bearer, working_day

from hoppid.scheduling.model import oslo_day
from hoppid.shared.testing import eventually, of_type, read_envelopes

# its outcome could depend on the hour, weekday or DST: scripts/time_of_day.sh
pytestmark = pytest.mark.time_of_day

RACERS = 6
SEATS = f"/v1/offices/{OFFICE}/seat-bookings"


async def add_desk(scheduling: Scheduling, key: str, name: str) -> str:
    response = await scheduling.client.post(
        f"/v1/offices/{OFFICE}/desks", json={"name": name}, headers=bearer(key)
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def book(scheduling: Scheduling, key: str, body: dict[str, Any]) -> httpx.Response:
    return await scheduling.client.post(SEATS, json=body, headers=bearer(key))


async def test_racing_bookings_of_the_last_desk_one_wins_and_release_frees_it(
    scheduling: Scheduling, database: Any
) -> None:
    key = await scheduling.key()
    desk = await add_desk(scheduling, key, "Vindusplass")
    day = working_day(8).isoformat()
    body = {"day": day, "half": "morning"}
    answers = await asyncio.gather(*(book(scheduling, key, body) for _ in range(RACERS)))
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] + [409] * (RACERS - 1), [a.text for a in answers]
    won = next(a.json()[0] for a in answers if a.status_code == 201)
    assert won["desk_id"] == desk and won["status"] == "booked"
    assert await database["seat_bookings"].count_documents({"status": "booked"}) == 1

    # the afternoon is still free, so a whole day is not: all or nothing
    assert (await book(scheduling, key, {"day": day, "half": "day"})).status_code == 409
    assert await database["seat_bookings"].count_documents({"status": "booked"}) == 1

    cancelled = await scheduling.client.post(f"{SEATS}/{won['id']}/cancel", headers=bearer(key))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "released"
    again = await book(scheduling, key, {**body, "half": "day", "person_id": "person-7"})
    assert again.status_code == 201, again.text
    assert [b["half"] for b in again.json()] == ["morning", "afternoon"]

    def told(envelopes: list[Any]) -> bool:
        return len(of_type(envelopes, "scheduling.seat.booked.v1")) >= 3

    found = [e for _, e in await read_envelopes(scheduling.topic, told)]
    booked = of_type(found, "scheduling.seat.booked.v1")
    # ordered per subject only (the key): the winner once, then the whole day's two halves
    assert won["id"] in {e.subject for e in booked} and len(booked) == 3
    released = of_type(found, "scheduling.seat.released.v1")
    assert [(e.subject, e.data["reason"]) for e in released] == [(won["id"], "cancelled")]


async def test_a_booking_not_checked_in_in_time_is_released_once_and_check_in_keeps_it(
    scheduling: Scheduling, database: Any
) -> None:
    key = await scheduling.key()
    await add_desk(scheduling, key, "Ved kaffemaskinen")
    await add_desk(scheduling, key, "Hjørnet")
    day = working_day(8).isoformat()
    late, kept = (
        (await book(scheduling, key, {"day": day, "half": "morning"})).json()[0],
        (await book(scheduling, key, {"day": day, "half": "morning"})).json()[0],
    )
    assert late["desk_id"] != kept["desk_id"]  # the second took the other desk
    # release_at is the rule's time (10:00 Oslo that day, in UTC)
    assert datetime.fromisoformat(late["release_at"]).astimezone(UTC).hour in (8, 9)
    too_early = await scheduling.client.post(f"{SEATS}/{kept['id']}/check-in", headers=bearer(key))
    assert too_early.status_code == 422 and too_early.json()["errors"][0]["field"] == "booking_id"

    # a running service's clock cannot be moved: move the bookings to today instead, one past
    # its release time (10:00 has passed) and one that checks in
    today = oslo_day(datetime.now(UTC)).isoformat()
    past = datetime.now(UTC) - timedelta(minutes=1)
    await database["seat_bookings"].update_one(
        {"_id": kept["id"]}, {"$set": {"day": today, "release_at": past + timedelta(hours=1)}}
    )
    checked = await scheduling.client.post(f"{SEATS}/{kept['id']}/check-in", headers=bearer(key))
    assert checked.status_code == 200 and checked.json()["status"] == "checked_in"
    await database["seat_bookings"].update_one({"_id": late["id"]}, {"$set": {"release_at": past}})

    async def released() -> bool:
        stored = await database["seat_bookings"].find_one({"_id": late["id"]})
        return bool(stored["status"] == "released")

    await eventually(released, what="the no-show poller releasing the booking")
    # the staff call finds nothing more; the checked-in booking stays
    call = await scheduling.client.post(f"{SEATS}/release-no-shows", headers=bearer(key))
    assert call.status_code == 200 and call.json() == {"released": []}
    stored = await database["seat_bookings"].find_one({"_id": kept["id"]})
    assert stored["status"] == "checked_in"
    rebooked = await book(scheduling, key, {"day": day, "half": "morning"})
    assert rebooked.status_code == 201 and rebooked.json()[0]["desk_id"] == late["desk_id"]

    def told(envelopes: list[Any]) -> bool:
        return bool(of_type(envelopes, "scheduling.seat.released.v1"))

    found = [e for _, e in await read_envelopes(scheduling.topic, told)]
    releases = of_type(found, "scheduling.seat.released.v1")
    assert [(e.subject, e.data["reason"], e.data["released_by"]) for e in releases] == [
        (late["id"], "no_show", "system")
    ]
    checked_in = of_type(found, "scheduling.seat.checked_in.v1")
    assert [e.subject for e in checked_in] == [kept["id"]]


async def test_bad_seat_requests_name_the_field(scheduling: Scheduling) -> None:
    key = await scheduling.key()
    await add_desk(scheduling, key, "Vindusplass")
    saturday = working_day(8)
    while saturday.weekday() != 5:
        saturday += timedelta(days=1)
    closed = await book(scheduling, key, {"day": saturday.isoformat(), "half": "morning"})
    assert closed.status_code == 422 and closed.json()["errors"][0]["field"] == "day"
    odd = await book(scheduling, key, {"day": working_day(8).isoformat(), "half": "evening"})
    assert odd.status_code == 422 and odd.json()["errors"][0]["field"] == "half"
    past = await book(scheduling, key, {"day": "2020-01-06", "half": "morning"})
    assert past.status_code == 422 and past.json()["errors"][0]["field"] == "half"
