"""Calendar files read back by a standard iCalendar parser (the `icalendar` package): the
booking's file and the advisor's and office's feeds give the booked instants, in Oslo time."""

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import icalendar
import pytest
from scheduling_support import OFFICE, Scheduling, bearer, working_day

from hoppid.contracts import intake as intake_events
from hoppid.scheduling.model import oslo_instant
from hoppid.shared.links import sign_link
from hoppid.shared.testing import TEST_LINK_SECRET, eventually, of_type, read_envelopes

# its outcome could depend on the hour, weekday or DST: scripts/time_of_day.sh
pytestmark = pytest.mark.time_of_day

SECRET = TEST_LINK_SECRET  # the one the services the tests start run with
BOOKED = "scheduling.meeting.booked.v1"
OSLO = ZoneInfo("Europe/Oslo")


def case_opened(case_id: str, person_id: str) -> intake_events.CaseOpened:
    return intake_events.CaseOpened(
        case_id=case_id,
        office_id=OFFICE,
        person_id=person_id,
        reference="HOP-TEST-0042",
        municipality="1539",
        needs=["guidance"],
        stage="idea",
        language="nb",
        meeting_mode="in_person",
        opened_at=datetime.now(UTC),
        first_case_of_person=True,
    )


async def book_through_the_link(scheduling: Scheduling) -> dict[str, Any]:
    """The person books the first time offered for their new case, as in their browser."""
    await scheduling.publish(case_opened("case-ics", "person-ics"), "case-ics")
    me = f"/v1/me/{sign_link(SECRET, 'person-ics', 0, datetime.now(UTC), days=30)}"

    async def offered() -> list[dict[str, Any]]:
        response = await scheduling.client.get(f"{me}/meetings")
        offers = response.json()["offers"] if response.status_code == 200 else []
        return offers[0]["slots"] if offers else []

    slots = await eventually(offered, what="times offered for the new case")
    made = await scheduling.client.post(
        f"{me}/bookings", json={"case_id": "case-ics", "start": slots[0]["start"]}
    )
    assert made.status_code == 201, made.text
    return dict(made.json())


def events_of(text: str) -> dict[str, Any]:
    parsed = icalendar.Calendar.from_ical(text)
    assert str(parsed["METHOD"]) == "PUBLISH"
    events = parsed.walk("VEVENT")
    by_uid = {str(event["UID"]).removesuffix("@hoppid"): event for event in events}
    assert all(str(event["UID"]).endswith("@hoppid") for event in events)  # meeting_uid
    assert len(by_uid) == len(events)  # one VEVENT per booking
    return by_uid


def assert_oslo_instant(event: Any, name: str, expected: datetime) -> None:
    read = event.decoded(name)
    assert isinstance(read, datetime) and read.tzinfo is not None  # aware, not floating
    assert read.tzinfo == OSLO  # resolved to the Europe/Oslo zone, not left as a bare name
    assert read == expected
    assert read.utcoffset() == expected.astimezone(OSLO).utcoffset()


async def test_a_booked_meeting_s_calendar_file_and_feeds_parse_back_to_the_booked_instants(
    scheduling: Scheduling,
) -> None:
    admin = await scheduling.key()
    advisor = await scheduling.advisor(admin)
    booking = await book_through_the_link(scheduling)
    found = await read_envelopes(scheduling.topic, lambda es: bool(of_type(es, BOOKED)))
    [booked] = of_type([e for _, e in found], BOOKED)
    assert booked.subject == booking["id"]
    start = datetime.fromisoformat(booked.data["start"])
    end = datetime.fromisoformat(booked.data["end"])
    assert start == datetime.fromisoformat(booking["start"])

    response = await scheduling.client.get(
        f"/v1/offices/{OFFICE}/bookings/{booking['id']}/calendar.ics", headers=bearer(admin)
    )
    assert response.headers["content-type"].startswith("text/calendar")
    event = events_of(response.text)[booking["id"]]
    assert_oslo_instant(event, "DTSTART", start)
    assert_oslo_instant(event, "DTEND", end)
    assert str(event["SUMMARY"]) == "Veiledningsmøte (første)"
    assert str(event["STATUS"]) == "CONFIRMED"

    # a second meeting, booked by staff in summer or winter time alike, for both feeds
    later = oslo_instant(working_day(40), time(13))
    assert later is not None
    other = await scheduling.client.post(
        f"/v1/offices/{OFFICE}/bookings",
        json={
            "case_id": "case-2",
            "person_id": "person-2",
            "meeting_type": "follow_up",
            "start": later.isoformat(),
            "mode": "in_person",
        },
        headers=bearer(admin),
    )
    assert other.status_code == 201, other.text
    follow_up_end = later + timedelta(minutes=30)  # the office's default follow-up length
    expected = {booking["id"]: (start, end), other.json()["id"]: (later, follow_up_end)}

    office_feed = await scheduling.client.post(f"/v1/offices/{OFFICE}/feed", headers=bearer(admin))
    for url in (advisor["feed_url"], office_feed.json()["feed_url"]):
        feed = await scheduling.client.get(httpx.URL(url).path)
        assert feed.status_code == 200
        events = events_of(feed.text)
        assert set(events) == set(expected)
        for uid, (first, last) in expected.items():
            assert_oslo_instant(events[uid], "DTSTART", first)
            assert_oslo_instant(events[uid], "DTEND", last)
        assert str(events[other.json()["id"]]["SUMMARY"]) == "Oppfølgingsmøte"
