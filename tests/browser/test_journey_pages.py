"""The whole platform in a browser, as its people meet it: a person sends the inquiry form,
opens the link from the email in the development mailbox, goes from their case to the offered
times, books one and sees it; the office's staff sign in once and see the case and the meeting
(the session works across the services of one host); the county sees the figure change.
Every page is checked with axe-core."""

from __future__ import annotations

import re
from typing import Any

import httpx
from browser_support import WebPlatform, check_page, new_page
from test_intake_pages import EMAIL, fill_inquiry, receipt_link
from test_reporting_pages import issued_key
from test_scheduling_pages import office_ready

from hoppid.shared.testing import eventually


async def nordveggen_inquiries(page: Any) -> int:
    """The county's figures page: Nordveggen's inquiries in the per-office table (0 if absent)."""
    await page.reload()
    table = page.get_by_role("table", name="Tabell: Kontorene sammenlignet")
    row = table.get_by_role("row").filter(has_text="Nordveggen")
    if await row.count() == 0:
        return 0
    return int(await row.get_by_role("cell").first.inner_text())


async def test_a_person_books_from_the_mail_link_staff_and_county_see_it(
    web_platform: WebPlatform, browser: Any
) -> None:
    intake, scheduling = web_platform.public("intake"), web_platform.public("scheduling")
    async with httpx.AsyncClient(timeout=30) as client:
        office_key = await office_ready(web_platform, client)
    county_key = await issued_key(web_platform, "/v1/keys", "county")

    county = await new_page(browser)
    await county.goto(f"{web_platform.public('reporting')}/pages/figures")
    await county.get_by_label("Nøkkel").fill(county_key)
    await county.get_by_role("button", name="Logg inn").click()
    await county.wait_for_url(re.compile(r"/pages/figures$"))
    before = await nordveggen_inquiries(county)

    # the person: the form, the receipt, the link from the mail, their case, a time booked
    person = await new_page(browser)
    await person.goto(f"{intake}/pages/inquiry?municipality=1539")
    await fill_inquiry(person, name="Sigrid Reise")
    await person.get_by_role("button", name="Send henvendelsen").click()
    await person.wait_for_url(re.compile(r"/pages/inquiry/sent"))
    await check_page(person)

    await person.goto(await receipt_link(web_platform, EMAIL))
    main = await person.locator("main").inner_text()
    reference = re.search(r"HOP-[A-Z0-9]{4}-[A-Z0-9]{4}", main)
    assert reference is not None and "Sigrid Reise" in main
    await person.get_by_role("link", name="Se neste møte, bestill eller endre tid").click()
    assert person.url.startswith(f"{scheduling}/pages/me/")

    async def times_offered() -> bool:
        await person.reload()
        return bool(await person.get_by_role("radio").count())

    await eventually(times_offered, timeout=60, what="times offered on the person's page")
    await check_page(person)
    first = person.get_by_role("radio").first
    chosen = await person.locator(f"label[for='{await first.get_attribute('id')}']").inner_text()
    await first.check()
    await person.get_by_role("button", name="Bestill møtet").click()
    await person.get_by_text("Møtet er bestilt").wait_for()
    await person.get_by_role("heading", name=chosen).wait_for()  # the time chosen, now booked
    await check_page(person, screenshot="journey-person-booked")

    # the office: one sign-in at intake, then the calendar in scheduling with the same session
    staff = await new_page(browser)
    await staff.goto(f"{intake}/pages/staff")
    await staff.get_by_label("Nøkkel").fill(office_key)
    await staff.get_by_role("button", name="Logg inn").click()
    await staff.wait_for_url(re.compile(r"/pages/staff/cases$"))
    await staff.get_by_role("link", name=reference.group(0)).wait_for()
    await check_page(staff)
    await staff.get_by_role("link", name="Kalender").click()
    await staff.wait_for_url(re.compile(f"^{re.escape(scheduling)}/pages/staff/calendar"))
    # signed in already (one session for the office): the meeting in the advisor's row
    meeting = staff.get_by_role("row").filter(has_text="Ingrid Rådgjevar")
    assert await meeting.count() == 1
    ends = chosen.split("\N{EN DASH}")[-1]
    assert ends in await meeting.inner_text()  # it ends when the booked one does
    await check_page(staff, screenshot="journey-staff-calendar")

    # the county: the figure has moved by the person's inquiry
    async def moved() -> bool:
        return await nordveggen_inquiries(county) == before + 1

    await eventually(moved, timeout=60, what="the county's figure changes")
    await check_page(county, screenshot="journey-county-figures")
