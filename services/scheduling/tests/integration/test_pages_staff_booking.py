"""Staff book a meeting for a case on its booking page (the JSON API's use case, real Kafka and
store): the case's advisor offered first once intake assigns them, a booking goes back to the
case page it came from, a time taken meanwhile is a 409 with fresh times, bad input a 422 that
names the field and keeps what was chosen, and another office's or an unknown case a 404."""

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from scheduling_pages_support import open_case, post_form, signed_in, site, slots_of
from scheduling_support import Scheduling

from hoppid.contracts import intake as intake_events
from hoppid.shared.testing import eventually

# which times are free depends on the hour, weekday and DST: scripts/time_of_day.sh
pytestmark = pytest.mark.time_of_day

__all__ = ["site"]  # the fixture, used by name

CASE = "case-book-1"
PAGE = f"/pages/staff/cases/{CASE}/book"
BACK = f"/pages/staff/cases/{CASE}"


async def assign(site: Scheduling, advisor_id: str) -> None:
    """intake's advisor.assigned for the case, as intake's relay puts it on its topic."""
    assigned = intake_events.AdvisorAssigned(
        case_id=CASE, office_id="nordveggen", advisor_id=advisor_id, assigned_at=datetime.now(UTC)
    )
    await site.publish(assigned, CASE)


async def book_first(staff: httpx.AsyncClient, **fields: str) -> httpx.Response:
    """Book the first free time the page shows now (online, a first guidance meeting)."""
    page = await staff.get(PAGE, params={"mode": "digital"})
    return await post_form(
        staff,
        page,
        PAGE,
        slot=slots_of(page)[0],
        mode="digital",
        meeting_type="first_guidance",
        **fields,
    )


async def test_staff_book_for_a_case_and_go_back_to_its_page(
    site: Scheduling, database: Any
) -> None:
    key = await site.key()
    await site.advisor(key)
    siri = await site.advisor(key, name="Siri Rettleiar", email="siri@nordveggen.example")
    await open_case(site, "person-book-1", CASE)
    await assign(site, siri["id"])

    async with signed_in(site, key) as staff:

        async def siri_first() -> bool:
            page = await staff.get(PAGE, params={"next": BACK})
            return f'<option value="{siri["id"]}" selected>Siri Rettleiar (følger saken)' in (
                page.text
            )

        await eventually(siri_first, what="the case's advisor first and chosen")
        page = await staff.get(PAGE, params={"next": BACK, "mode": "digital"})
        assert page.status_code == 200 and "Ola Rådgiver" in page.text
        slots = slots_of(page)
        assert slots and all(s.endswith(f"|{siri['id']}") for s in slots)
        assert 'value="digital" checked' in page.text

        nothing = await post_form(staff, page, PAGE, mode="digital", meeting_type="follow_up")
        assert nothing.status_code == 422
        assert 'href="#field-slot"' in nothing.text and 'id="error-slot"' in nothing.text
        assert 'value="follow_up" checked' in nothing.text  # what was chosen is kept
        odd = await post_form(
            staff, page, PAGE, slot=slots[0], mode="boat", meeting_type="follow_up", next=BACK
        )
        assert odd.status_code == 422 and 'id="error-mode"' in odd.text
        assert f'name="next" value="{BACK}"' in odd.text

        booked = await post_form(
            staff, page, PAGE, slot=slots[0], mode="digital", meeting_type="follow_up", next=BACK
        )
        assert booked.status_code == 303, booked.text
        location = booked.headers["location"]
        assert location.startswith("http") and location.endswith(f"{BACK}?done=meeting_booked")

        taken = await post_form(
            staff, page, PAGE, slot=slots[0], mode="digital", meeting_type="follow_up", next=BACK
        )
        assert taken.status_code == 409 and "bestilt av noen andre" in taken.text
        fresh = slots_of(taken)
        assert fresh and slots[0] not in fresh

        # without next: to the calendar, with the notice; next is never another site
        to_calendar = await book_first(staff)
        assert to_calendar.headers["location"] == "/pages/staff/calendar?done=meeting_booked"
        calendar = await staff.get(to_calendar.headers["location"])
        assert "Møtet er bestilt. Personen får en bekreftelse." in calendar.text
        elsewhere = await book_first(staff, next="//evil.example/x")
        assert elsewhere.status_code == 303 and "evil" not in elsewhere.headers["location"]
        own = await book_first(staff, next="/pages/staff/desks", service="scheduling")
        assert own.headers["location"] == "/pages/staff/desks?done=meeting_booked"

    meetings = [b async for b in database["bookings"].find({"case_id": CASE})]
    assert len(meetings) == 4
    assert {m["person_id"] for m in meetings} == {"person-book-1"}
    assert {m["advisor_id"] for m in meetings} == {siri["id"]}
    assert sorted(m["meeting_type"] for m in meetings).count("follow_up") == 1


async def test_only_the_case_s_office_s_staff_and_an_unknown_case_is_a_clear_404(
    site: Scheduling,
) -> None:
    key = await site.key()
    await site.advisor(key)
    await open_case(site, "person-book-2", CASE)
    molde = await site.key(office="molde")
    async with signed_in(site, molde) as other:
        page = await other.get(PAGE)
        assert page.status_code == 404 and "kjenner ikke denne saken" in page.text
        desks = await other.get("/pages/staff/desks")  # a page of theirs with a form
        posted = await post_form(other, desks, PAGE, slot="2031-01-06T09:00:00+00:00|x")
        assert posted.status_code == 404
    advisor_key = await site.key(role="advisor")
    async with signed_in(site, advisor_key) as colleague:
        assert (await colleague.get(PAGE)).status_code == 200
        unknown = await colleague.get("/pages/staff/cases/case-not-yet/book")
        assert unknown.status_code == 404 and "prøv igjen om litt" in unknown.text
    away = await site.client.get(PAGE)
    assert away.status_code == 303 and away.headers["location"].startswith("/pages/sign-in")
