"""notifications's pages in a real browser: the platform admin (the development mailbox's one
reader, issue 13) signs in and finds the person's receipt there; the person opens their message
preferences through the link token from that receipt (at phone width) and turns SMS off with the
keyboard only. Every page is checked with axe-core."""

from __future__ import annotations

import re
from typing import Any

import httpx
from browser_support import WebPlatform, check_page, new_page
from platform_support import ADMIN_KEY

from hoppid.shared.testing import eventually, public_inquiry

EMAIL = "nils.varsel@example.no"


def inquiry() -> dict[str, Any]:
    return public_inquiry(
        name="Nils Varsel",
        email=EMAIL,
        phone="912 34 567",
        idea="Klatrekurs i Romsdalen",
        share_company_with_partners=False,
    )


async def test_staff_see_the_receipt_and_the_person_turns_sms_off(
    web_platform: WebPlatform, browser: Any
) -> None:
    notifications = web_platform.public("notifications")
    async with httpx.AsyncClient(timeout=10) as client:
        sent = await client.post(f"{web_platform.public('intake')}/v1/inquiries", json=inquiry())
        assert sent.status_code == 201, sent.text

    staff = await new_page(browser)
    await staff.goto(f"{notifications}/pages/staff")
    await staff.wait_for_url(re.compile(r"/pages/sign-in"))
    await check_page(staff, screenshot="notifications-sign-in")
    await staff.get_by_label("Nøkkel").fill(ADMIN_KEY)
    await staff.get_by_role("button", name="Logg inn").click()
    await staff.wait_for_url(re.compile(r"/pages/staff/mailbox$"))

    async def receipt_listed() -> bool:
        await staff.reload()
        return await staff.get_by_role("cell", name=EMAIL).count() > 0

    await eventually(receipt_listed, timeout=60, what="the receipt in the mailbox page")
    await check_page(staff, screenshot="notifications-mailbox")
    row = staff.get_by_role("row").filter(has_text=EMAIL)
    await row.get_by_role("link").first.click()
    await staff.wait_for_url(re.compile(r"/pages/staff/mailbox/[0-9A-Za-z_-]+$"))
    assert "Nils" in await staff.locator(".mail-text").inner_text()
    await check_page(staff, screenshot="notifications-message")
    text = await staff.locator(".mail-text").inner_text()
    found = re.search(r"/me/([A-Za-z0-9_-]+)", text)
    assert found, f"the receipt carries the person's link:\n{text}"
    token = found.group(1)

    person = await new_page(browser, phone=True)  # the person, on their phone
    await person.goto(f"{notifications}/pages/me/{token}/preferences")
    assert await person.get_by_label("E-post").is_checked()
    assert await person.get_by_label("SMS").is_checked()
    await check_page(person, screenshot="notifications-preferences")

    # keyboard only: Tab to the SMS box, Space unticks it, Tab to the button, Enter sends
    await tab_to(person, "field-non_essential-2")
    await person.keyboard.press("Space")
    await tab_to(person, None, role="BUTTON")
    await person.keyboard.press("Enter")
    await person.wait_for_url(re.compile(r"/preferences\?saved=1$"))
    assert await person.get_by_role("status").inner_text() == "Valgene dine er lagret."
    assert not await person.get_by_label("SMS").is_checked()
    assert await person.get_by_label("E-post").is_checked()
    await check_page(person, screenshot="notifications-preferences-saved")

    async with httpx.AsyncClient(timeout=10) as client:  # the JSON API reads the same choice
        api = await client.get(f"{notifications}/v1/me/{token}/preferences")
    assert api.json()["non_essential"] == {"email": True, "sms": False}


async def tab_to(page: Any, element_id: str | None, role: str = "", most: int = 30) -> None:
    """Press Tab until the element with this id (or the first of this tag) has the focus."""
    for _ in range(most):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(
            "() => [document.activeElement.id, document.activeElement.tagName]"
        )
        if (element_id and focused[0] == element_id) or (role and focused[1] == role):
            return
    raise AssertionError(f"Tab never reached {element_id or role}")
