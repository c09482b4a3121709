"""The office's pages for signed-in staff: sign-in, the calendar with held / no-show, the
advisors, programmes with attendance and desks; only the staff member's own office."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from scheduling_pages_support import csrf_of, open_case, post_form, sign_in, site, slots_of
from scheduling_support import OFFICE, Scheduling, bearer

# its outcome could depend on the hour, weekday or DST: scripts/time_of_day.sh
pytestmark = pytest.mark.time_of_day

__all__ = ["site"]  # the fixture, used by name


async def sign_in_to_calendar(client: httpx.AsyncClient, key: str) -> None:
    """Signed in, the staff start page is the calendar."""
    await sign_in(client, key)
    assert (await client.get("/pages/staff")).headers["location"] == "/pages/staff/calendar"


async def test_staff_see_their_office_s_calendar_and_record_a_held_meeting(
    site: Scheduling, database: Any
) -> None:
    key = await site.key()
    await site.advisor(key)
    token = await open_case(site, "person-kari", "case-0001")
    me = f"/pages/me/{token}/meetings"
    page = await site.client.get(me)
    await post_form(site.client, page, f"{me}/book", case_id="case-0001", slot=slots_of(page)[0])
    booking = await database["bookings"].find_one({"person_id": "person-kari"})

    async with httpx.AsyncClient(base_url=site.service.url, timeout=30) as staff:
        away = await staff.get("/pages/staff/calendar")
        assert away.status_code == 303
        assert away.headers["location"] == "/pages/sign-in?next=/pages/staff/calendar"
        await sign_in_to_calendar(staff, key)
        calendar = await staff.get("/pages/staff/calendar")
        assert calendar.status_code == 200 and "Ola Rådgiver" in calendar.text
        assert "Bestilt" in calendar.text
        assert f"/pages/staff/meetings/{booking['_id']}/held" not in calendar.text  # not started

        early = await post_form(staff, calendar, f"/pages/staff/meetings/{booking['_id']}/held")
        assert early.status_code == 422 and "har startet" in early.text

        # a meeting that has started: written as a booking of an earlier hour would be
        started = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
        past = {**booking, "_id": "past-1", "start": started, "end": started + timedelta(hours=1)}
        past.update(claim_ids=[], cells=[], outbox=[])
        await database["bookings"].insert_one(past)
        calendar = await staff.get("/pages/staff/calendar")
        assert "/pages/staff/meetings/past-1/held" in calendar.text
        held = await post_form(staff, calendar, "/pages/staff/meetings/past-1/held")
        assert held.status_code == 303 and held.headers["location"].endswith("done=held")
        assert (await database["bookings"].find_one({"_id": "past-1"}))["status"] == "held"
        again = await post_form(staff, calendar, "/pages/staff/meetings/past-1/no-show")
        assert again.status_code == 409

        advisors = await staff.get("/pages/staff/advisors")
        assert "Mandag 09:00\u201315:00" in advisors.text

    # another office's staff see their own (empty) calendar and cannot touch this meeting
    other_key = await site.key(office="molde")
    async with httpx.AsyncClient(base_url=site.service.url, timeout=30) as other:
        await sign_in_to_calendar(other, other_key)
        theirs = await other.get("/pages/staff/calendar")
        assert "Ola Rådgiver" not in theirs.text
        touched = await post_form(other, theirs, f"/pages/staff/meetings/{booking['_id']}/held")
        assert touched.status_code == 404


async def test_staff_record_attendance_and_see_desk_bookings(site: Scheduling) -> None:
    key = await site.key()
    now = datetime.now(UTC).replace(microsecond=0)
    course = await site.client.post(
        f"/v1/offices/{OFFICE}/programmes",
        headers=bearer(key),
        json={
            "kind": "course",
            "title": "Markedsføring",
            "capacity": 5,
            "sessions": [{"start": (now - timedelta(hours=2)).isoformat(), "end": now.isoformat()}],
        },
    )
    course_id = course.json()["id"]
    enrolled = await site.client.post(
        f"/v1/offices/{OFFICE}/programmes/{course_id}/enrolments",
        headers=bearer(key),
        json={"person_id": "person-kari"},
    )
    enrolment = enrolled.json()["enrolment_id"]
    async with httpx.AsyncClient(base_url=site.service.url, timeout=30) as staff:
        await sign_in_to_calendar(staff, key)
        page = await staff.get("/pages/staff/programmes")
        assert "Markedsføring" in page.text and "1 av 5 plasser tatt" in page.text
        path = f"/pages/staff/programmes/{course_id}/sessions/s1"
        nobody = await post_form(staff, page, path)
        assert nobody.status_code == 422
        recorded = await staff.post(path, data={"csrf": csrf_of(page), "attended": enrolment})
        assert recorded.status_code == 303
        page = await staff.get("/pages/staff/programmes")
        assert "Oppmøte registrert for 1 av 1" in page.text

        desks = await staff.get("/pages/staff/desks")
        assert desks.status_code == 200 and "0 kontorplasser" in desks.text
        refused = await staff.post("/pages/staff/desks/nothing/check-in", data={})
        assert refused.status_code == 403  # no CSRF field
