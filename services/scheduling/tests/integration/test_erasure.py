"""An erased person's places are released through the running service (intake's
``erasure.requested`` on its topic, as intake's relay puts it): the meeting cancelled and its
time free, the programme seat released with the first waiting promoted (the same events a
cancellation makes), the waitlist place dropped, the desk booking released; a second delivery
changes nothing more."""

from datetime import time
from typing import Any

import pytest
from scheduling_support import OFFICE, Scheduling, bearer, working_day
from test_groups import create, enrol

from hoppid.contracts import intake as intake_events
from hoppid.scheduling.model import oslo_instant
from hoppid.shared.clock import real_now
from hoppid.shared.outbox import without_outbox
from hoppid.shared.testing import eventually, of_type, read_envelopes

# its outcome could depend on the hour, weekday or DST: scripts/time_of_day.sh
pytestmark = pytest.mark.time_of_day

ERASED, OTHER, WAITING = "person-erased", "person-other", "person-waiting"


async def places_of_the_erased(scheduling: Scheduling, key: str) -> dict[str, Any]:
    """A meeting, a seat in a full course (someone waiting behind), a waitlist place in another
    full course and a desk for a morning, all the erased person's, beside someone else's."""
    advisor = await scheduling.advisor(key)
    start = oslo_instant(working_day(), time(10))
    assert start is not None
    meeting = await scheduling.client.post(
        f"/v1/offices/{OFFICE}/bookings",
        json={
            "case_id": "case-e",
            "person_id": ERASED,
            "start": start.isoformat(),
            "mode": "digital",
            "advisor_id": advisor["id"],
        },
        headers=bearer(key),
    )
    assert meeting.status_code == 201, meeting.text
    seated = await create(scheduling, key, capacity=2)
    waits = await create(scheduling, key, capacity=1, minimum=1)
    for programme, people in ((seated, [ERASED, OTHER, WAITING]), (waits, [OTHER, ERASED])):
        for person in people:
            answer = await enrol(scheduling, key, programme["id"], {"person_id": person})
            assert answer.status_code == 201, answer.text
    desk = await scheduling.client.post(
        f"/v1/offices/{OFFICE}/desks", json={"name": "Vindusplass"}, headers=bearer(key)
    )
    assert desk.status_code == 201, desk.text
    seats = await scheduling.client.post(
        f"/v1/offices/{OFFICE}/seat-bookings",
        json={"day": working_day(8).isoformat(), "half": "morning", "person_id": ERASED},
        headers=bearer(key),
    )
    assert seats.status_code == 201, seats.text
    return {
        "meeting": meeting.json(),
        "start": start,
        "advisor": advisor,
        "seated": seated["id"],
        "waits": waits["id"],
        "seat": seats.json()[0]["id"],
    }


async def stored(database: Any, documents: dict[str, list[str]]) -> dict[str, list[Any]]:
    """The documents without the outbox's bookkeeping (the relay empties it meanwhile)."""
    return {
        name: [without_outbox(await database[name].find_one({"_id": i})) for i in ids]
        for name, ids in documents.items()
    }


def released_events(envelopes: list[Any]) -> dict[str, list[Any]]:
    kinds = ("meeting.cancelled", "programme.enrolment_cancelled", "programme.promoted")
    found = {kind: of_type(envelopes, f"scheduling.{kind}.v1") for kind in kinds}
    found["seat.released"] = of_type(envelopes, "scheduling.seat.released.v1")
    return found


async def test_erasure_releases_the_meeting_seats_waitlist_places_and_desks_once(
    scheduling: Scheduling, database: Any
) -> None:
    key = await scheduling.key()
    made = await places_of_the_erased(scheduling, key)
    erasure = intake_events.ErasureRequested(
        person_id=ERASED, case_ids=["case-e"], requested_at=real_now()
    )
    await scheduling.publish(erasure, ERASED, office="")

    def all_told(envelopes: list[Any]) -> bool:
        events = released_events(envelopes)
        return len(events["seat.released"]) == 1 and len(events["programme.promoted"]) == 1

    found = released_events([e for _, e in await read_envelopes(scheduling.topic, all_told)])
    (cancelled,) = found["meeting.cancelled"]
    assert (cancelled.subject, cancelled.data["reason"]) == (made["meeting"]["id"], "erasure")
    gone = sorted(
        (e.subject, e.data["was"], e.data["person_id"])
        for e in found["programme.enrolment_cancelled"]
    )
    assert gone == sorted(
        [(made["seated"], "enrolled", ERASED), (made["waits"], "waitlisted", ERASED)]
    )
    (promoted,) = found["programme.promoted"]  # the first waiting got the freed seat
    assert (promoted.subject, promoted.data["person_id"]) == (made["seated"], WAITING)
    (released,) = found["seat.released"]
    assert (released.subject, released.data["reason"]) == (made["seat"], "cancelled")
    assert released.data["released_by"] == "system"

    stored = await database["programmes"].find_one({"_id": made["seated"]})
    assert sorted(e["person_id"] for e in stored["seats"]) == [OTHER, WAITING]
    assert stored["waiting"] == [] and stored["taken"] == 2
    waits = await database["programmes"].find_one({"_id": made["waits"]})
    assert [e["person_id"] for e in waits["seats"]] == [OTHER] and waits["waiting"] == []
    assert ERASED not in waits["people"]
    seat = await database["seat_bookings"].find_one({"_id": made["seat"]})
    assert seat["status"] == "released"
    booking = await database["bookings"].find_one({"_id": made["meeting"]["id"]})
    assert booking["status"] == "cancelled" and "join_url" not in booking
    # the advisor's time is free again: the same time can be booked for someone else
    again = await scheduling.client.post(
        f"/v1/offices/{OFFICE}/bookings",
        json={
            "case_id": "case-o",
            "person_id": OTHER,
            "start": made["start"].isoformat(),
            "mode": "digital",
            "advisor_id": made["advisor"]["id"],
        },
        headers=bearer(key),
    )
    assert again.status_code == 201, again.text

    # redelivered: nothing changes (every event is written with its change: no change, no event)
    documents = {"programmes": [made["seated"], made["waits"]], "seat_bookings": [made["seat"]]}
    documents["bookings"] = [made["meeting"]["id"]]
    before = {
        n: [await database[n].find_one({"_id": i}) for i in ids] for n, ids in documents.items()
    }
    await scheduling.publish(erasure, ERASED, office="")
    marker = intake_events.ErasureRequested(
        person_id="person-after", case_ids=[], requested_at=real_now()
    )
    await scheduling.publish(marker, ERASED, office="")  # same key: handled after the redelivery

    async def marker_handled() -> bool:
        return await database["erased_people"].find_one({"_id": "person-after"}) is not None

    await eventually(marker_handled, what="the erasure after the redelivery handled")
    after = {
        n: [await database[n].find_one({"_id": i}) for i in ids] for n, ids in documents.items()
    }
    assert after == before
