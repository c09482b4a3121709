"""scheduling's pages in a real browser: a person with a new case books an offered time from
their link, sees it with its calendar file, moves it, cancels it and books again by keyboard;
the office's staff sign in, see the meeting in the calendar and record one held; the person
enrols in a course and books a desk on a phone; the office admin changes and cancels a
course. Every page is checked with axe-core."""

import asyncio
import email
import email.policy
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from browser_support import WebPlatform, check_page, new_page
from platform_support import ADMIN_KEY, bearer

from hoppid.shared.testing import eventually, public_inquiry

EMAIL = "kari.pages@example.no"
LINK = re.compile(r"/(?:v1|pages)/me/([A-Za-z0-9_-]{20,})")


async def office_ready(platform: WebPlatform, client: httpx.AsyncClient) -> str:
    """An office-admin key of Nordveggen (issued by intake), an advisor with digital hours every
    day, a desk and a course with one seat."""
    issued = await client.post(
        f"{platform.public('intake')}/v1/offices/nordveggen/keys",
        headers=bearer(ADMIN_KEY),
        json={"role": "office_admin", "label": "scheduling pages"},
    )
    key = str(issued.json()["key"])
    office = f"{platform.public('scheduling')}/v1/offices/nordveggen"

    async def known() -> bool:
        return (await client.get(office, headers=bearer(key))).status_code == 200

    await eventually(known, what="scheduling knows intake's key")
    hours = [{"weekday": d, "start": "08:00", "end": "20:00", "place": "digital"} for d in range(7)]
    advisor = await client.post(
        f"{office}/advisors",
        headers=bearer(key),
        json={
            "name": "Ingrid Rådgjevar",
            "email": "ingrid@nordveggen.example",
            "languages": ["nn", "nb"],
            "topics": ["grants"],
            "weekly_hours": hours,
            "absences": [{"first_day": "2031-07-01", "last_day": "2031-07-21"}],
        },
    )
    assert advisor.status_code == 201, advisor.text
    desk = await client.post(f"{office}/desks", headers=bearer(key), json={"name": "Vindusplass"})
    assert desk.status_code == 201, desk.text
    start = datetime.now(UTC).replace(microsecond=0, second=0) + timedelta(days=10)
    course = await client.post(
        f"{office}/programmes",
        headers=bearer(key),
        json={
            "kind": "course",
            "title": "Start og drift av eget firma",
            "capacity": 1,
            "sessions": [
                {"start": start.isoformat(), "end": (start + timedelta(hours=3)).isoformat()}
            ],
        },
    )
    assert course.status_code == 201, course.text
    return key


async def person_link(platform: WebPlatform, client: httpx.AsyncClient) -> str:
    """Send an inquiry to intake; the link token from the receipt in the development mailbox."""
    sent = await client.post(
        f"{platform.public('intake')}/v1/inquiries",
        json=public_inquiry(
            name="Kari Sider",
            email=EMAIL,
            phone="912 34 567",
            idea="Guida skiturar frå Åndalsnes",
            stage="starting",
        ),
    )
    assert sent.status_code == 201, sent.text

    async def receipt() -> str | None:
        return await asyncio.to_thread(link_in_mailbox, Path(platform.maildir))

    return str(await eventually(receipt, timeout=60, what="the receipt with the person's link"))


def link_in_mailbox(folder: Path) -> str | None:
    """The person's link token in a message to them in the development mailbox."""
    for path in sorted(folder.glob("*.eml")):
        message: Any = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if EMAIL not in str(message["To"]):
            continue
        found = LINK.search(message.get_body(preferencelist=("plain",)).get_content())
        if found:
            return found.group(1)
    return None


async def meetings_with_times(page: Any, url: str) -> None:
    async def offered() -> bool:
        await page.goto(url)
        return bool(await page.get_by_role("radio").count())

    await eventually(offered, timeout=60, what="times offered on the person's page")


async def book_by_keyboard(page: Any) -> None:
    """Tab to the first time, choose it with Space, Tab to the button and press Enter."""
    await page.locator("body").focus()
    for _ in range(40):
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement.name === 'slot'"):
            break
    else:
        raise AssertionError("no time reached with the Tab key")
    await page.keyboard.press("Space")
    while await page.evaluate("document.activeElement.tagName") != "BUTTON":
        await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"done=booked"))


async def test_a_person_books_moves_cancels_and_staff_record_the_meeting(
    web_platform: WebPlatform, browser: Any, mongo: Any
) -> None:
    scheduling = web_platform.public("scheduling")
    async with httpx.AsyncClient(timeout=30) as client:
        key = await office_ready(web_platform, client)
        token = await person_link(web_platform, client)
    me = f"{scheduling}/pages/me/{token}"
    page = await new_page(browser)

    await meetings_with_times(page, f"{me}/meetings")
    await check_page(page, screenshot="scheduling-meetings")
    await page.get_by_role("radio").first.check()
    await page.get_by_role("button", name="Bestill møtet").click()
    await page.get_by_text("Møtet er bestilt").wait_for()
    calendar_link = page.get_by_role("link", name="Legg til i kalenderen")
    href = await calendar_link.get_attribute("href")
    assert href and href.endswith("/calendar.ics")
    ics = await page.request.get(f"{scheduling}{href}")
    assert "BEGIN:VEVENT" in await ics.text()
    await check_page(page, screenshot="scheduling-booked")

    await page.get_by_role("link", name="Flytt møtet").click()
    await check_page(page, screenshot="scheduling-move")
    await page.get_by_role("radio").nth(1).check()
    await page.get_by_role("button", name="Flytt møtet").click()
    await page.get_by_text("Møtet er flyttet").wait_for()
    await check_page(page)

    await page.get_by_role("link", name="Avlys møtet").click()
    await check_page(page, screenshot="scheduling-cancel")
    await page.get_by_role("button", name="Ja, avlys møtet").click()
    await page.get_by_text("Møtet er avlyst").wait_for()
    await check_page(page)

    await book_by_keyboard(page)
    await page.get_by_text("Møtet er bestilt").wait_for()

    # the office: sign in, the calendar, record a meeting that has started as held
    staff = await new_page(browser)
    await staff.goto(f"{scheduling}/pages/staff")
    await check_page(staff, screenshot="scheduling-sign-in")
    await staff.get_by_label("Nøkkel").fill(key)
    await staff.get_by_role("button", name="Logg inn").click()
    await staff.wait_for_url(re.compile(r"/pages/staff/calendar$"))
    await staff.get_by_role("cell", name="Ingrid Rådgjevar").first.wait_for()
    await check_page(staff, screenshot="scheduling-staff-calendar")

    db = mongo[f"test_{web_platform.unique}_scheduling"]
    booking = await db["bookings"].find_one({"status": "booked"})
    started = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    past = {**booking, "_id": "started-1", "start": started, "end": started + timedelta(hours=1)}
    past.update(claim_ids=[], cells=[], outbox=[])
    await db["bookings"].insert_one(past)  # written as a meeting of an hour ago would be
    await staff.reload()
    await staff.get_by_role("button", name=re.compile(r"^Holdt")).click()
    await staff.get_by_text("Møtet er registrert som holdt").wait_for()
    await check_page(staff)

    for part in ("advisors", "programmes", "desks"):
        await staff.get_by_role(
            "link",
            name={
                "advisors": "Rådgivere",
                "programmes": "Kurs og program",
                "desks": "Kontorplasser",
            }[part],
        ).click()
        await staff.wait_for_url(re.compile(f"/pages/staff/{part}"))
        await check_page(staff, screenshot=f"scheduling-staff-{part}")

    # the person enrols in the course and books a desk, on a phone
    await page.goto(f"{me}/programmes")
    await check_page(page, screenshot="scheduling-programmes")
    await page.get_by_role("button", name="Meld meg på Start og drift av eget firma").click()
    await page.get_by_text("Du har plass.").wait_for()
    await check_page(page)

    phone = await new_page(browser, phone=True)
    await phone.goto(f"{me}/desks")
    await check_page(phone, screenshot="scheduling-desks-phone")
    await phone.get_by_label("Dag", exact=True).select_option(index=1)
    await phone.get_by_label("Hele dagen").check()
    await phone.get_by_role("button", name="Bestill kontorplass").click()
    await phone.get_by_text("Kontorplassen er bestilt.").wait_for()
    await check_page(phone)

    day = (await db["seat_bookings"].find_one({}))["day"]
    await staff.goto(f"{scheduling}/pages/staff/desks?day={day}")
    await staff.get_by_role("cell", name="Vindusplass").first.wait_for()
    await check_page(staff)

    await staff_book_for_the_case(staff, scheduling, db)
    await office_admin_pages(staff, scheduling)
    await desk_changed_and_removed(staff)
    await programme_changed_and_cancelled(staff)


async def staff_book_for_the_case(staff: Any, scheduling: str, db: Any) -> None:
    """Staff book a meeting for the person's case on its booking page: refused first without a
    time (422), then booked, back to the page ``next`` names with its notice."""
    case_id = (await db["offers"].find_one({}))["case_id"]
    back = "next=/pages/staff/calendar&service=scheduling"
    await staff.goto(f"{scheduling}/pages/staff/cases/{case_id}/book?{back}")
    await staff.locator('input[name="slot"]').first.wait_for()
    await check_page(staff, screenshot="scheduling-staff-book")
    await staff.get_by_role("button", name="Bestill møtet").click()
    await staff.get_by_text("Velg en av de ledige tidene som vises.").first.wait_for()
    await check_page(staff, screenshot="scheduling-staff-book-error")
    await staff.locator('input[name="slot"]').first.check()
    await staff.get_by_role("button", name="Bestill møtet").click()
    await staff.get_by_text("Møtet er bestilt. Personen får en bekreftelse.").wait_for()
    await check_page(staff)


async def office_admin_pages(staff: Any, scheduling: str) -> None:
    """The office admin adds an advisor (refused first: no name), changes the office's settings
    (refused first: a buffer off the quarter hour), creates a course (refused first: no seats
    and no session) and adds a desk, each page checked with axe-core."""
    await staff.goto(f"{scheduling}/pages/staff/advisors")
    await staff.get_by_role("link", name="Legg til rådgiver").click()
    await staff.wait_for_url(re.compile(r"/pages/staff/advisors/new$"))
    await check_page(staff, screenshot="scheduling-staff-advisor-new")
    await staff.get_by_label("E-post på jobben").fill("siri@nordveggen.example")
    await staff.locator("#field-hours-0-start").fill("09:00")
    await staff.locator("#field-hours-0-end").fill("15:00")
    await staff.get_by_role("button", name="Lagre rådgiveren").click()
    await staff.get_by_text("Skriv rådgiverens navn").first.wait_for()
    await check_page(staff, screenshot="scheduling-staff-advisor-error")
    await staff.get_by_label("Navn", exact=True).fill("Siri Rettleiar")
    await staff.get_by_role("button", name="Lagre rådgiveren").click()
    await staff.get_by_text("Rådgiveren er lagt til.").wait_for()
    await check_page(staff)
    await staff.get_by_role("link", name="Endre Siri Rettleiar").click()
    await check_page(staff, screenshot="scheduling-staff-advisor-change")

    await staff.get_by_role("link", name="Kontorets innstillinger").click()
    await staff.wait_for_url(re.compile(r"/pages/staff/office$"))
    buffer = staff.get_by_label("Pause etter hvert møte, minutter")
    await buffer.fill("20")
    await staff.get_by_role("button", name="Lagre innstillingene").click()
    await staff.get_by_text("Skriv hele kvarter").first.wait_for()
    await check_page(staff, screenshot="scheduling-staff-office-error")
    await buffer.fill("15")
    await staff.get_by_role("button", name="Lagre innstillingene").click()
    await staff.get_by_text("Innstillingene er lagret.").wait_for()
    await check_page(staff, screenshot="scheduling-staff-office")

    await staff.get_by_role("link", name="Kurs og program").click()
    await staff.get_by_role("link", name="Nytt kurs eller program").click()
    await staff.get_by_label("Tittel", exact=True).fill("Eksport for små firma")
    await staff.get_by_role("button", name="Opprett").click()
    await staff.get_by_text("Skriv et tall fra 1 til 500.").first.wait_for()
    await check_page(staff, screenshot="scheduling-staff-programme-error")
    await staff.get_by_label("Plasser", exact=True).fill("10")
    await staff.locator("#field-session-0-day").fill("2031-09-15")
    await staff.locator("#field-session-0-start").fill("09:00")
    await staff.locator("#field-session-0-end").fill("12:00")
    await staff.get_by_role("button", name="Opprett").click()
    await staff.get_by_text("Kurset eller programmet er opprettet.").wait_for()
    await check_page(staff)

    await staff.get_by_role("link", name="Kontorplasser").click()
    await staff.get_by_label("Navn på en ny plass").fill("Vindusplass 4")
    await staff.get_by_role("button", name="Legg til plassen").click()
    await staff.get_by_text("Kontorplassen er lagt til.").wait_for()
    await check_page(staff, screenshot="scheduling-staff-desks-added")


async def desk_changed_and_removed(staff: Any) -> None:
    """On the desks page: the new desk renamed (refused first: no name) and removed; the desk
    the person booked is not removed while the booking is to come (409)."""
    await staff.get_by_role("link", name="Endre Vindusplass 4", exact=True).click()
    await check_page(staff, screenshot="scheduling-staff-desk")
    name = staff.get_by_label("Navn", exact=True)
    await name.fill("")
    await staff.get_by_role("button", name="Lagre navnet").click()
    await staff.get_by_text("Skriv et navn på plassen").first.wait_for()
    await check_page(staff, screenshot="scheduling-staff-desk-error")
    await name.fill("Vindusplass 5")
    await staff.get_by_role("button", name="Lagre navnet").click()
    await staff.get_by_text("Navnet på plassen er lagret.").wait_for()
    await check_page(staff)

    await staff.get_by_role("link", name="Endre Vindusplass", exact=True).click()
    await staff.get_by_role("button", name="Fjern Vindusplass").click()
    await staff.get_by_text("Plassen er ikke fjernet").wait_for()
    await check_page(staff, screenshot="scheduling-staff-desk-in-use")

    await staff.get_by_role("link", name="Tilbake til kontorplassene").click()
    await staff.get_by_role("link", name="Endre Vindusplass 5", exact=True).click()
    await staff.get_by_role("button", name="Fjern Vindusplass 5").click()
    await staff.get_by_text("Plassen er fjernet.").wait_for()
    await check_page(staff)


async def programme_changed_and_cancelled(staff: Any) -> None:
    """The office admin changes the new course (refused first: no seats) and cancels it (refused
    first: not confirmed), each page checked with axe-core."""
    await staff.get_by_role("link", name="Kurs og program").click()
    await staff.get_by_role("link", name="Endre Eksport for små firma").click()
    await check_page(staff, screenshot="scheduling-staff-programme-change")
    seats = staff.get_by_label("Plasser", exact=True)
    await seats.fill("")
    await staff.get_by_role("button", name="Lagre endringene").click()
    await staff.get_by_text("Skriv et tall fra 1 til 500.").first.wait_for()
    await check_page(staff, screenshot="scheduling-staff-programme-change-error")
    await seats.fill("12")
    await staff.locator("#field-session-0-start").fill("10:00")
    await staff.get_by_role("button", name="Lagre endringene").click()
    await staff.get_by_text("Endringene er lagret.").wait_for()
    await check_page(staff)

    await staff.get_by_role("link", name="Avlys Eksport for små firma").click()
    await check_page(staff, screenshot="scheduling-staff-programme-cancel")
    await staff.get_by_role("button", name="Avlys programmet").click()
    await staff.get_by_text("Kryss av for å bekrefte").first.wait_for()
    await check_page(staff, screenshot="scheduling-staff-programme-cancel-error")
    await staff.get_by_label("Ja, avlys hele programmet").check()
    await staff.get_by_role("button", name="Avlys programmet").click()
    await staff.get_by_text("Programmet er avlyst. Påmeldte og ventende får beskjed.").wait_for()
    await check_page(staff)
