"""reporting's pages in a real browser: an inquiry to intake reaches the figures; the county
signs in and sees every office with charts (inline SVG with a table of the same numbers) and
downloads the per-office CSV (UTF-8, Norwegian letters intact); an office key sees its own
office only. Every page is checked with axe-core."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from browser_support import WebPlatform, check_page, new_page
from platform_support import ADMIN_KEY, bearer

from hoppid.shared.testing import eventually, public_inquiry

INQUIRY = public_inquiry(
    name="Åse Tallknuser",
    email="ase.tall@example.no",
    phone="912 34 567",
    municipality="1508",  # Ålesund: hoppid.no Ålesund's office
    idea="Sjømatbar på Brosundet",
    stage="starting",
    share_company_with_partners=False,
)


async def issued_key(platform: WebPlatform, path: str, role: str) -> str:
    """A key issued by intake, once reporting accepts it."""
    async with httpx.AsyncClient(timeout=10) as client:
        issued = await client.post(
            f"{platform.public('intake')}{path}",
            headers=bearer(ADMIN_KEY),
            json={"role": role, "label": "browser test"},
        )
        assert issued.status_code == 201, issued.text
        key = str(issued.json()["key"])

        async def accepted() -> bool:
            answer = await client.get(
                f"{platform.public('reporting')}/v1/figures", headers=bearer(key)
            )
            return answer.status_code == 200

        await eventually(accepted, timeout=60, what=f"reporting knows the {role} key")
    return key


async def sign_in(page: Any, platform: WebPlatform, key: str, start: str) -> None:
    await page.goto(f"{platform.public('reporting')}{start}")
    await page.wait_for_url(re.compile(r"/pages/sign-in"))
    await page.get_by_label("Nøkkel").fill(key)
    await page.get_by_role("button", name="Logg inn").click()
    await page.wait_for_url(re.compile(re.escape(start) + "$"))


async def test_the_county_sees_charts_and_downloads_csv_an_office_only_its_own(
    web_platform: WebPlatform, browser: Any
) -> None:
    county = await issued_key(web_platform, "/v1/keys", "county")
    office = await issued_key(web_platform, "/v1/offices/nordveggen/keys", "office_admin")
    async with httpx.AsyncClient(timeout=10) as client:
        sent = await client.post(f"{web_platform.public('intake')}/v1/inquiries", json=INQUIRY)
        assert sent.status_code == 201, sent.text

    page = await new_page(browser)
    await sign_in(page, web_platform, county, "/pages/figures")
    comparison = page.get_by_role("table", name="Tabell: Kontorene sammenlignet")
    alesund = comparison.get_by_role("row").filter(has_text="hoppid.no Ålesund")

    async def counted() -> bool:
        await page.reload()
        return await alesund.count() == 1

    await eventually(counted, timeout=60, what="the inquiry in the county's figures")
    assert (await alesund.get_by_role("cell").first.inner_text()) == "1"  # inquiries
    charts = page.locator('svg[role="img"]')
    assert await charts.count() == 3
    for index in range(3):
        assert await charts.nth(index).locator("title").text_content()
    funnel = page.get_by_role("table", name="Tabell: Fra henvendelse til selskap")
    first_stage = funnel.get_by_role("row").filter(has_text="Henvendelser")
    assert await first_stage.get_by_role("cell").first.inner_text() == "1"
    await check_page(page, screenshot="reporting-figures")

    async with page.expect_download() as downloading:
        await page.get_by_role("link", name="Tallene per kontor (CSV)").click()
    download = await downloading.value
    content = Path(await download.path()).read_bytes()  # noqa: ASYNC240 (a small local file)
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for Excel
    text = content.decode("utf-8-sig")
    header, *rows = text.splitlines()
    assert header.startswith("office;office_name;municipality;municipality_name;period;inquiries")
    assert any(row.startswith("alesund;hoppid.no Ålesund;") for row in rows), text

    await page.get_by_label("Periode").fill("2026-13")  # a filter error, tied to its field
    await page.get_by_role("button", name="Vis tallene").click()
    period = page.get_by_label("Periode")
    assert await period.get_attribute("aria-invalid") == "true"
    assert await page.get_by_role("alert").get_by_role("link").count() == 1
    await check_page(page, screenshot="reporting-figures-error")

    staff = await new_page(browser)
    await sign_in(staff, web_platform, office, "/pages/staff/figures")
    await check_page(staff, screenshot="reporting-office")
    heading = await staff.get_by_role("heading", level=2).first.inner_text()
    assert heading.startswith("Nordveggen")
    body = await staff.locator("main").inner_text()
    assert "hoppid.no Ålesund" not in body and "hoppid.no Molde" not in body
    assert await staff.get_by_label("Kontor", exact=True).count() == 0  # no office to choose
    await staff.goto(f"{web_platform.public('reporting')}/pages/figures")
    assert "Et kontor ser bare sine egne tall." in await staff.locator("main").inner_text()
    await check_page(staff, screenshot="reporting-forbidden")
    answer = await staff.goto(
        f"{web_platform.public('reporting')}/pages/staff/figures?office=alesund"
    )
    assert answer.status == 403
