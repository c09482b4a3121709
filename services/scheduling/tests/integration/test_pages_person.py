"""The person's pages by their signed link: book an offered time, see it with its calendar
file, move it, cancel it after a confirm step; a taken time; programmes and desks."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from scheduling_pages_support import open_case, post_form, site, slots_of, token_of
from scheduling_support import OFFICE, Scheduling, bearer

from hoppid.shared.testing import of_type, read_envelopes

# its outcome could depend on the hour, weekday or DST: scripts/time_of_day.sh
pytestmark = pytest.mark.time_of_day

__all__ = ["site"]  # the fixture, used by name
JOIN = re.compile(r'<a href="(https://meet\.jit\.si/hoppid-nordveggen-[a-z0-9]+)"')


async def test_book_see_move_and_cancel_a_meeting(site: Scheduling) -> None:
    client = site.client
    key = await site.key()
    await site.advisor(
        key,
        weekly_hours=[
            {"weekday": w, "start": "08:00", "end": "20:00", "place": "digital"} for w in range(7)
        ],
    )
    token = await open_case(site, "person-kari", "case-0001")
    me = f"/pages/me/{token}/meetings"
    page = await client.get(me)
    assert page.headers["content-security-policy"].startswith("default-src 'self'")

    refused = await client.post(f"{me}/book", data={"slot": slots_of(page)[0]})
    assert refused.status_code == 403  # no CSRF field
    missing = await post_form(client, page, f"{me}/book", case_id="case-0001")
    assert missing.status_code == 422
    assert 'id="error-slot"' in missing.text
    assert 'aria-describedby="hint-slot error-slot" aria-invalid="true"' in missing.text

    booked = await post_form(
        client, page, f"{me}/book", case_id="case-0001", slot=slots_of(page)[0]
    )
    assert booked.status_code == 303 and booked.headers["location"] == f"{me}?done=booked"
    page = await client.get(booked.headers["location"])
    assert "Møtet er bestilt" in page.text
    booking_id = page.text.split("/calendar.ics")[0].rsplit("/", 1)[1]
    ics = await client.get(f"{me}/{booking_id}/calendar.ics")
    assert ics.headers["content-type"].startswith("text/calendar")
    assert f"UID:{booking_id}" in ics.text.replace("\r\n ", "")

    move_page = await client.get(f"{me}/{booking_id}/move")
    moved = await post_form(
        client, move_page, f"{me}/{booking_id}/move", slot=slots_of(move_page)[1]
    )
    assert moved.status_code == 303 and moved.headers["location"] == f"{me}?done=moved"
    ics_after = await client.get(f"{me}/{booking_id}/calendar.ics")
    assert "SEQUENCE:1" in ics_after.text

    confirm = await client.get(f"{me}/{booking_id}/cancel")
    assert confirm.status_code == 200 and "Ja, avlys møtet" in confirm.text
    cancelled = await post_form(client, confirm, f"{me}/{booking_id}/cancel")
    assert cancelled.headers["location"] == f"{me}?done=cancelled"
    page = await client.get(me)
    assert "Avlyst" in page.text and slots_of(page)  # times to book again

    # someone else's link cannot touch it; a broken link is a 404 page
    other = await client.get(f"/pages/me/{token_of('person-ola')}/meetings/{booking_id}/move")
    assert other.status_code == 404
    broken = await client.get("/pages/me/not-a-token/meetings")
    assert broken.status_code == 404 and "lenken" in broken.text.lower()
    english = await client.get(f"{me}?lang=en")
    assert '<html lang="en">' in english.text and "Your meetings" in english.text
    assert "hoppid_lang=en" in english.headers["set-cookie"]


async def test_a_digital_meeting_gets_its_own_join_link_kept_when_moved_gone_when_cancelled(
    site: Scheduling,
) -> None:
    client = site.client
    key = await site.key()
    pattern = "https://meet.jit.si/hoppid-{office}-{token}"
    bad = await client.put(
        f"/v1/offices/{OFFICE}/settings",
        json={"join_link_pattern": "https://meet.jit.si/hoppid-{office}"},
        headers=bearer(key),
    )
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    assert "join_link_pattern" in bad.text and "{token}" in bad.text
    chosen = await client.put(
        f"/v1/offices/{OFFICE}/settings", json={"join_link_pattern": pattern}, headers=bearer(key)
    )
    assert chosen.status_code == 200, chosen.text
    await site.advisor(
        key,
        weekly_hours=[
            {"weekday": w, "start": "08:00", "end": "20:00", "place": "digital"} for w in range(7)
        ],
    )
    token = await open_case(site, "person-siv", "case-0007")
    me = f"/pages/me/{token}/meetings"
    page = await client.get(me)
    booked = await post_form(
        client, page, f"{me}/book", case_id="case-0007", slot=slots_of(page)[0]
    )
    page = await client.get(booked.headers["location"])
    booking_id = page.text.split("/calendar.ics")[0].rsplit("/", 1)[1]
    found = JOIN.search(page.text)
    assert found, "the page shows the meeting's join link"
    link = found.group(1)
    assert len(link) == len("https://meet.jit.si/hoppid-nordveggen-") + 24
    ics = (await client.get(f"{me}/{booking_id}/calendar.ics")).text.replace("\r\n ", "")
    assert f"URL:{link}\r\n" in ics and f"LOCATION:{link}\r\n" in ics

    # on the topic the link is sealed with the person's key, never in clear
    booked_type = "scheduling.meeting.booked.v1"
    records = await read_envelopes(site.topic, lambda es: bool(of_type(es, booked_type)))
    (event,) = of_type([e for _, e in records], booked_type)
    assert event.data["sequence"] == 0 and event.data["join_url"]["person"] == "person-siv"
    assert link not in str(event.data) and all(link.encode() not in r.value for r, _ in records)

    move_page = await client.get(f"{me}/{booking_id}/move")
    await post_form(client, move_page, f"{me}/{booking_id}/move", slot=slots_of(move_page)[1])
    page = await client.get(me)
    assert link in page.text  # a moved meeting keeps its link
    assert f"URL:{link}" in (await client.get(f"{me}/{booking_id}/calendar.ics")).text

    confirm = await client.get(f"{me}/{booking_id}/cancel")
    await post_form(client, confirm, f"{me}/{booking_id}/cancel")
    page = await client.get(me)
    assert "Avlyst" in page.text and link not in page.text
    ics = (await client.get(f"{me}/{booking_id}/calendar.ics")).text
    assert "STATUS:CANCELLED" in ics and "URL:" not in ics and "meet.jit.si" not in ics
    mine = await client.get(f"/v1/me/{token}/meetings")
    assert "meet.jit.si" not in mine.text  # not shown again anywhere


async def test_a_taken_time_shows_the_message_and_fresh_times(site: Scheduling) -> None:
    key = await site.key()
    await site.advisor(
        key,
        weekly_hours=[
            {"weekday": w, "start": "08:00", "end": "20:00", "place": "digital"} for w in range(7)
        ],
    )
    kari = await open_case(site, "person-kari", "case-0001")
    ola = await open_case(site, "person-ola", "case-0002")
    kari_page = await site.client.get(f"/pages/me/{kari}/meetings")
    ola_page = await site.client.get(f"/pages/me/{ola}/meetings")
    first = slots_of(kari_page)[0]
    assert first in slots_of(ola_page)  # both were offered the same earliest time
    won = await post_form(
        site.client, kari_page, f"/pages/me/{kari}/meetings/book", case_id="case-0001", slot=first
    )
    assert won.status_code == 303
    lost = await post_form(
        site.client, ola_page, f"/pages/me/{ola}/meetings/book", case_id="case-0002", slot=first
    )
    assert lost.status_code == 409
    assert "Noen tok den tiden" in lost.text
    assert slots_of(lost) and first not in slots_of(lost)


async def test_enrol_in_a_full_course_waits_then_books_a_desk(site: Scheduling) -> None:
    client = site.client
    key = await site.key()
    await site.advisor(key)
    token = await open_case(site, "person-kari", "case-0001")
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)
    course = await client.post(
        f"/v1/offices/{OFFICE}/programmes",
        headers=bearer(key),
        json={
            "kind": "course",
            "title": "Start og drift",
            "capacity": 1,
            "sessions": [
                {"start": start.isoformat(), "end": (start + timedelta(hours=3)).isoformat()}
            ],
        },
    )
    course_id = course.json()["id"]
    other = await client.post(
        f"/v1/offices/{OFFICE}/programmes/{course_id}/enrolments",
        headers=bearer(key),
        json={"person_id": "person-ola"},
    )
    assert other.status_code == 201

    page = await client.get(f"/pages/me/{token}/programmes")
    assert "Start og drift" in page.text and "Sett meg på venteliste" in page.text
    enrolled = await post_form(client, page, f"/pages/me/{token}/programmes/{course_id}/enrol")
    assert enrolled.status_code == 303
    page = await client.get(f"/pages/me/{token}/programmes")
    assert "venteliste som nummer 1" in page.text
    enrolment = other.json()["enrolment_id"]
    await client.post(
        f"/v1/offices/{OFFICE}/programmes/{course_id}/enrolments/{enrolment}/cancel",
        headers=bearer(key),
    )
    page = await client.get(f"/pages/me/{token}/programmes")
    assert "Du har plass" in page.text  # promoted from the waitlist

    desk = await client.post(
        f"/v1/offices/{OFFICE}/desks", headers=bearer(key), json={"name": "Vindusplass"}
    )
    assert desk.status_code == 201
    page = await client.get(f"/pages/me/{token}/desks")
    assert "1 / 1" in page.text
    bad = await post_form(client, page, f"/pages/me/{token}/desks", day="1999-01-01", half="day")
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    day = page.text.split('<option value="')[2].split('"')[0]  # the second open day
    booked = await post_form(client, page, f"/pages/me/{token}/desks", day=day, half="day")
    assert booked.status_code == 303
    page = await client.get(f"/pages/me/{token}/desks")
    assert "0 / 1" in page.text and "Bestilt" in page.text
    full = await post_form(client, page, f"/pages/me/{token}/desks", day=day, half="morning")
    assert full.status_code == 409 and "Ingen plass er ledig" in full.text
