"""What schemathesis (scripts/fuzz.sh) found: bad input is a 422 problem naming the field, never
a 5xx, and the OpenAPI says what is answered."""

from scheduling_support import OFFICE, Scheduling, bearer


async def test_a_nul_character_is_a_422_naming_the_field(scheduling: Scheduling) -> None:
    # PostgreSQL under the local store cannot keep a NUL: it was a 503 "store unavailable"
    # that no retry could end
    admin = await scheduling.key(OFFICE)
    answer = await scheduling.client.post(
        f"/v1/offices/{OFFICE}/desks", headers=bearer(admin), json={"name": "Desk\x00 one"}
    )
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert [(e["field"], e["in"]) for e in answer.json()["errors"]] == [("name", "body")]
    listed = await scheduling.client.get(f"/v1/offices/{OFFICE}/desks", headers=bearer(admin))
    assert all("\x00" not in desk["name"] for desk in listed.json())


async def test_the_calendar_files_are_documented_as_icalendar(scheduling: Scheduling) -> None:
    # they answered text/calendar, documented as application/json
    paths = (await scheduling.client.get("/openapi.json")).json()["paths"]
    for path in (
        "/v1/offices/{office_id}/bookings/{booking_id}/calendar.ics",
        "/v1/calendars/{token}.ics",
    ):
        content = paths[path]["get"]["responses"]["200"]["content"]
        assert [kind.split(";")[0] for kind in content] == ["text/calendar"], path


async def test_an_instant_out_of_range_is_a_422_naming_the_field(scheduling: Scheduling) -> None:
    # a course's session on 0001-01-01: its reminder a day before overflowed (a 500)
    admin = await scheduling.key(OFFICE)
    session = {"start": "0001-01-01T00:00:00Z", "end": "0001-01-01T03:00:00Z"}
    course = await scheduling.client.post(
        f"/v1/offices/{OFFICE}/programmes",
        headers=bearer(admin),
        json={"kind": "course", "title": "Old", "capacity": 1, "sessions": [session]},
    )
    assert course.status_code == 422, course.text
    assert course.headers["content-type"].startswith("application/problem+json")
    fields = {e["field"] for e in course.json()["errors"]}
    assert fields == {"sessions.0.start", "sessions.0.end"}
    meeting = await scheduling.client.post(
        f"/v1/offices/{OFFICE}/bookings",
        headers=bearer(admin),
        json={"case_id": "c", "person_id": "p", "start": "9999-12-31T23:30:00-01:00"},
    )
    assert meeting.status_code == 422, meeting.text
    assert "start" in [e["field"] for e in meeting.json()["errors"]]
