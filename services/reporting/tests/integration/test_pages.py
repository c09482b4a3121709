"""reporting's pages on the running service: sign-in by session, the office's own figures only,
every office's figures with charts for the county, the same CSV as the API, field errors, CSRF
and the language switch."""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from reporting_support import COUNTY, Reporting, drained, produce, reporting_env, scenario, started

from hoppid.shared.testing import ServiceProcess


@pytest.fixture
async def pages(topic_prefix: str, unique: str, database: Any) -> AsyncIterator[Reporting]:
    env = reporting_env(topic_prefix, unique, HOPPID_COOKIE_SECURE="false")
    service = ServiceProcess("reporting", env)
    try:
        await started(service)
        async with httpx.AsyncClient(base_url=service.url, timeout=30) as client:
            reporting = Reporting(service, client, topic_prefix, database.name)
            stream, _ = scenario()
            await produce(reporting.intake_topic, stream)
            await drained(reporting.prefix, reporting.intake_topic)
            yield reporting
    finally:
        await service.stop()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found, "every form carries its CSRF token"
    return found.group(1)


@asynccontextmanager
async def signed_in(reporting: Reporting, key: str) -> AsyncIterator[httpx.AsyncClient]:
    """A browser of its own (own cookies), signed in with ``key``."""
    async with httpx.AsyncClient(base_url=reporting.service.url, timeout=30) as browser:
        yield await _sign_in(browser, key)


async def _sign_in(browser: httpx.AsyncClient, key: str) -> httpx.AsyncClient:
    form = await browser.get("/pages/sign-in", params={"next": "/pages/staff/figures"})
    posted = await browser.post(
        "/pages/sign-in",
        data={"key": key, "next": "/pages/staff/figures", "csrf": csrf_of(form.text)},
    )
    assert posted.status_code == 303, posted.text
    assert posted.headers["location"] == "/pages/staff/figures"
    return browser


async def test_sign_in_is_needed_and_refused_without_csrf(pages: Reporting) -> None:
    client = pages.client
    home = await client.get("/pages/staff")
    assert (home.status_code, home.headers["location"]) == (303, "/pages/staff/figures")
    figures = await client.get("/pages/staff/figures")
    assert figures.status_code == 303
    assert figures.headers["location"] == "/pages/sign-in?next=/pages/staff/figures"
    assert (await client.get("/pages/figures")).status_code == 303
    assert (await client.get("/pages/figures/offices.csv")).status_code == 303
    await client.get("/pages/sign-in")  # the CSRF cookie, but no token in the form
    forged = await client.post("/pages/sign-in", data={"key": "hk_x.y"})
    assert forged.status_code == 403 and "Skjemaet er utløpt" in forged.text


async def test_an_office_key_sees_its_own_office_only(pages: Reporting) -> None:
    key = await pages.key("office_admin", "alesund")
    async with signed_in(pages, key) as browser:
        own = await browser.get("/pages/staff/figures", params={"period": "2026"})
        assert own.status_code == 200, own.text
        assert "hoppid.no Ålesund \N{EN DASH} 2026" in own.text
        assert re.search(r"<th scope=\"row\">Henvendelser</th><td class=\"num\">2</td>", own.text)
        assert "Nordveggen" not in own.text and "hoppid.no Molde" not in own.text
        assert 'name="office"' not in own.text  # no office to choose

        other = await browser.get("/pages/staff/figures", params={"office": "molde"})
        assert other.status_code == 403
        assert (await browser.get("/pages/figures")).status_code == 403
        assert (await browser.get("/pages/figures/offices.csv?office=molde")).status_code == 403
        csv = await browser.get("/pages/figures/offices.csv")
        assert csv.status_code == 200
        assert [line.split(";")[0] for line in csv.text.splitlines()[1:]] == ["alesund"]


async def test_a_bad_filter_is_a_field_error(pages: Reporting) -> None:
    key = await pages.key("advisor", "nordveggen")
    async with signed_in(pages, key) as browser:
        bad = await browser.get("/pages/staff/figures", params={"period": "2026-13"})
        assert bad.status_code == 422
        assert 'href="#field-period"' in bad.text  # the error summary links to the field
        field = re.search(r"<input id=\"field-period\"[^>]*>", bad.text)
        assert field and 'aria-invalid="true"' in field.group(0)
        assert 'aria-describedby="hint-period error-period"' in field.group(0)
        assert 'value="2026-13"' in field.group(0)  # shown again to be corrected
        unknown = await browser.get("/pages/staff/figures", params={"municipality": "9999"})
        assert unknown.status_code == 422 and 'href="#field-municipality"' in unknown.text


async def test_the_county_sees_every_office_with_charts_and_the_api_s_csv(
    pages: Reporting,
) -> None:
    key = await pages.key("county")
    async with signed_in(pages, key) as browser:
        page = await browser.get("/pages/figures", params={"period": "2026"})
        assert page.status_code == 200, page.text
        assert page.text.count('role="img"') == 3
        for chart in ("comparison", "funnel", "series"):
            assert f'<title id="chart-{chart}-title">' in page.text
            assert f'<caption id="{chart}-caption">' in page.text
        for office in ("Nordveggen", "hoppid.no Ålesund", "hoppid.no Molde"):
            assert f'<th scope="row">{office}</th>' in page.text
        assert 'href="/pages/figures/offices.csv?period=2026"' in page.text

        for table, api in [
            ("offices", "/v1/figures?group_by=office"),
            ("figures", "/v1/figures?"),
            ("funnel", "/v1/funnel?"),
        ]:
            from_page = await browser.get(f"/pages/figures/{table}.csv?period=2026")
            from_api = await pages.client.get(f"{api}&period=2026&format=csv", headers=COUNTY)
            assert from_page.status_code == 200
            assert from_page.headers["content-type"] == "text/csv; charset=utf-8"
            assert from_page.content == from_api.content  # the same numbers, the same bytes
        offices = (await browser.get("/pages/figures/offices.csv?period=2026")).content
        assert offices.startswith(b"\xef\xbb\xbf") and "hoppid.no Ålesund".encode() in offices

        english = await browser.get("/pages/figures", params={"lang": "en", "measure": "x"})
        assert english.status_code == 422 and "Figures of all offices" in english.text
        assert english.cookies.get("hoppid_lang") == "en"
