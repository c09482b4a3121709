"""scheduling's retention pass, called with the moment it judges by, against the running
service's store: a meeting, programme places and a desk booking made through the API keep the
ids that tie them to a person until they are past their period, and only what counts after."""

from datetime import datetime, timedelta
from typing import Any

import pytest
from scheduling_support import OFFICE, Scheduling, bearer
from test_erasure import ERASED, places_of_the_erased

from hoppid.scheduling import retention

# its setup books on working days from today: scripts/time_of_day.sh
pytestmark = pytest.mark.time_of_day

DAY = timedelta(days=1)
PERIODS = retention.Periods(
    meetings=365 * DAY,
    programmes=365 * DAY,
    desks=90 * DAY,
    offers=90 * DAY,
    export_answers=30 * DAY,
)


def named(document: Any) -> set[str]:
    """The people a stored document names."""
    found = {document.get("person_id")} | set(document.get("people", []))
    for entry in document.get("seats", []) + document.get("waiting", []):
        found.add(entry["person_id"])
    return found - {None}


async def test_past_places_keep_only_what_counts(scheduling: Scheduling, database: Any) -> None:
    key = await scheduling.key()
    places = await places_of_the_erased(scheduling, key)
    meeting = await database["bookings"].find_one({"_id": places["meeting"]["id"]})
    programmes = [
        await database["programmes"].find_one({"_id": places[k]}) for k in ("seated", "waits")
    ]
    desk = await database["seat_bookings"].find_one({"_id": places["seat"]})
    last_end = max(s["end"] for p in programmes for s in p["sessions"])
    desk_day = datetime.fromisoformat(desk["day"]).replace(tzinfo=meeting["start"].tzinfo)
    offer = {
        "_id": "opened-old",
        "case_id": "c",
        "person_id": ERASED,
        "created_at": meeting["start"],
    }
    await database["offers"].insert_one(offer)

    latest = max(meeting["start"] + 365 * DAY, last_end + 365 * DAY, desk_day + 91 * DAY)
    early = await retention.one_pass(database, PERIODS, min(meeting["start"], desk_day, last_end))
    assert set(early.values()) == {0}
    assert ERASED in named(meeting) and all(ERASED in named(p) for p in programmes)

    counts = await retention.one_pass(database, PERIODS, latest + DAY)
    assert counts == {
        "meetings_anonymised": 1,
        "programmes_anonymised": 2,
        "desk_bookings_anonymised": 1,
        "offers_deleted": 1,
        "export_answers_deleted": 0,  # none answered (shared/tests: test_export_answers.py)
    }
    after = await database["bookings"].find_one({"_id": meeting["_id"]})
    assert not named(after) and after["case_id"] is None
    assert (after["office_id"], after["start"], after["status"]) == (
        meeting["office_id"],
        meeting["start"],
        meeting["status"],
    )  # what counts stays
    for programme in programmes:
        stored = await database["programmes"].find_one({"_id": programme["_id"]})
        assert not named(stored)
        assert [s["participants"] for s in stored["seats"]] == [
            s["participants"] for s in programme["seats"]
        ]
    assert not named(await database["seat_bookings"].find_one({"_id": desk["_id"]}))
    assert await database["offers"].count_documents({}) == 0
    # no event can be about a meeting that names no case or person: a change is refused
    cancel = await scheduling.client.post(
        f"/v1/offices/{OFFICE}/bookings/{meeting['_id']}/cancel", json={}, headers=bearer(key)
    )
    assert cancel.status_code == 409, cancel.text
    assert "retention period" in cancel.json()["detail"]
    again = await retention.one_pass(database, PERIODS, latest + 2 * DAY)
    assert set(again.values()) == {0}  # nothing twice
