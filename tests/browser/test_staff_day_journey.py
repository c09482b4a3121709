"""Issue 14's journey, in Chromium and through the pages alone: an office admin of Nordveggen
signs in through the OpenID Connect provider and adds an advisor in scheduling; a person sends
the inquiry form; the advisor signs in as themselves, finds the case by the person's email,
adds a note, assigns themselves, records a grant application and its decision, books a meeting
for the person at one of their own free times, and registers the company; then the office admin
sees those reads of the person's contact details in the audit log. Only the platform admin's
first step (the office admin's own account) is an API call: it comes before anyone can sign in.
Each page on the way is checked with axe-core."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from browser_oidc_support import OidcWebPlatform, oidc_platform, through_provider
from browser_support import check_page, new_page
from platform_support import SERVICES, put_account

from hoppid.shared.testing import eventually

ADVISOR = {"sub": "kari.radgiver", "email": "kari@nordveggen.example", "name": "Kari"}
ADMIN = {"sub": "ola.kontorleder", "email": "ola@nordveggen.example", "name": "Ola"}
EMAIL = "aud.fjord@example.no"
REASON = "Personen ba om en kopi av saken på telefon"
EXPORT_BUTTON = "Eksporter som JSON"


@pytest.fixture
async def staff_web(topic_prefix: str, unique: str, mongo: Any) -> AsyncIterator[OidcWebPlatform]:
    async with oidc_platform(topic_prefix, unique, mongo, [ADVISOR, ADMIN], SERVICES) as platform:
        yield platform


async def add_advisor(admin: Any, scheduling: str) -> str:
    """The office admin adds Kari with office hours on two weekdays; the advisors' page shows
    the ID her staff account names."""
    await admin.goto(f"{scheduling}/pages/staff/advisors/new")
    await through_provider(admin, ADMIN["sub"])
    await admin.wait_for_url(re.compile(r"/pages/staff/advisors/new$"))
    await admin.get_by_label("Navn", exact=True).fill("Kari Rådgiver")
    await admin.get_by_label("E-post på jobben").fill(ADVISOR["email"])
    for row, weekday in enumerate(("1", "3")):
        await admin.locator(f"#field-hours-{row}-weekday").select_option(weekday)
        await admin.locator(f"#field-hours-{row}-start").fill("09:00")
        await admin.locator(f"#field-hours-{row}-end").fill("15:00")
    await admin.get_by_role("button", name="Lagre rådgiveren").click()
    await admin.get_by_text("Rådgiveren er lagt til.").wait_for()
    kari = admin.get_by_role("region", name="Kari Rådgiver")
    shown = re.search(r"ID i timeplanen \(for ansattkontoen\): (\S+)", await kari.inner_text())
    assert shown, await kari.inner_text()
    return shown.group(1)


async def add_account(admin: Any, advisor_id: str) -> None:
    """From scheduling's staff menu to intake's accounts page: Kari's account, as an advisor
    tied to her advisor record."""
    await admin.get_by_role("link", name="Ansattkontoer").click()
    await admin.wait_for_url(re.compile(r"/pages/staff/accounts$"))
    await admin.get_by_label("Innloggings-ID").fill(ADVISOR["sub"])
    await admin.get_by_label("Navn", exact=True).fill("Kari Rådgiver")
    await admin.get_by_label("Rolle").select_option("advisor")
    await admin.get_by_label("Rådgiver i timeplanen").fill(advisor_id)
    await admin.get_by_role("button", name="Legg til kontoen").click()
    await admin.get_by_text("Kontoen er lagt til.").wait_for()


async def send_inquiry(page: Any, intake: str) -> None:
    """The person, on the public form."""
    await page.goto(f"{intake}/pages/inquiry?municipality=1539")
    await page.get_by_label("Navn").fill("Aud Fjord")
    await page.get_by_label("E-postadresse").fill(EMAIL)
    await page.get_by_label("Telefonnummer").fill("913 45 678")
    await page.get_by_label("Ideen din").fill("Fjordsafari med elbåt fra Åndalsnes")
    await page.get_by_label("Jeg har en idé").check()
    await page.get_by_label("Veiledning").check()
    await page.get_by_label("Digitalt").check()
    await page.get_by_label("Jeg samtykker").check()
    await page.get_by_role("button", name="Send henvendelsen").click()
    await page.wait_for_url(re.compile(r"/pages/inquiry/sent"))


async def book_meeting(kari: Any) -> None:
    """From the case page to scheduling's booking step and back: Kari (the case's advisor,
    chosen first) offers her own free times; the first one is booked, and the case page shows
    the meeting once scheduling's event has reached intake."""
    case_page = kari.url
    await kari.get_by_role("link", name="Bestill et møte for saken").click()
    await kari.wait_for_url(re.compile(r"/pages/staff/cases/[^/]+/book"))

    async def known() -> bool:  # scheduling learns of the case from intake's event
        if "prøv igjen om litt" not in await kari.locator("main").inner_text():
            return True
        await kari.reload()
        return False

    await eventually(known, timeout=60, what="scheduling knows the case")
    advisor = kari.get_by_label("Rådgiver", exact=True)
    assert "Kari Rådgiver (følger saken)" in await advisor.locator("option:checked").inner_text()
    await kari.get_by_label("Første veiledningsmøte").check()
    await kari.get_by_label("På kontoret").check()
    await kari.get_by_role("button", name="Vis ledige tider").click()
    await check_page(kari, screenshot="staff-journey-book")
    await kari.get_by_role("group", name="Velg en tid for møtet").get_by_role("radio").first.check()
    await kari.get_by_role("button", name="Bestill møtet").click()
    back = re.escape(case_page.split("?")[0]) + r"\?done=meeting_booked"
    await kari.wait_for_url(re.compile(back))
    assert "Møtet er bestilt" in await kari.locator("main").inner_text()

    async def shown() -> bool:
        await kari.reload()
        return "Første veiledning" in await kari.locator("main").inner_text()

    await eventually(shown, timeout=60, what="the meeting on the case page")


async def test_an_advisor_does_a_case_s_day_in_the_browser_and_the_admin_sees_the_reads(
    staff_web: OidcWebPlatform, browser: Any
) -> None:
    intake, scheduling = staff_web.public("intake"), staff_web.public("scheduling")
    await put_account(intake, ADMIN["sub"], {"role": "office_admin", "name": "Ola Kontorleder"})
    admin = await new_page(browser)
    advisor_id = await add_advisor(admin, scheduling)
    await add_account(admin, advisor_id)
    await send_inquiry(await new_page(browser), intake)

    kari = await new_page(browser)
    await kari.goto(f"{intake}/pages/staff")
    await through_provider(kari, ADVISOR["sub"])
    await kari.wait_for_url(re.compile(r"/pages/staff"))
    main = kari.locator("main")
    await kari.get_by_label("Saksnummer, navn, e-post eller telefon").fill(EMAIL)
    await kari.get_by_role("button", name="Søk", exact=True).click()
    assert "1 sak passer søket." in await main.inner_text()
    found = kari.get_by_role("link", name=re.compile(r"HOP-"))
    reference = await found.inner_text()
    await found.click()
    assert EMAIL in await main.inner_text()
    await check_page(kari)

    await kari.get_by_label("Nytt notat").fill("Ringte Aud. Hun sender budsjettet.")
    await kari.get_by_role("button", name="Legg til notatet").click()
    assert "Notatet er lagt til." in await main.inner_text()
    await kari.get_by_label("Rådgiver for saken").select_option(label="Kari Rådgiver")
    await kari.get_by_role("button", name="Tildel rådgiveren").click()
    assert "Saken er tildelt Kari Rådgiver." in await main.inner_text()

    await kari.get_by_label("Ordning").select_option("nordveggen.avklaringsmidler")
    await kari.get_by_label("Beløp søkt (kr)").fill("35000")  # over the grant's NOK 30,000
    await kari.get_by_label("Søknadsfrist").fill("2027-01-31")
    await kari.get_by_role("button", name="Registrer søknaden").click()
    asked = kari.get_by_label("Beløp søkt (kr)")
    assert await asked.get_attribute("aria-invalid") == "true"
    await asked.fill("30000")
    await kari.get_by_role("button", name="Registrer søknaden").click()
    assert "Søknaden er registrert." in await main.inner_text()
    await kari.get_by_label("Vedtaket").select_option("granted")
    await kari.get_by_label("Beløp innvilget (kr)").fill("30000")
    await kari.get_by_role("button", name="Registrer vedtaket").click()
    assert "Vedtaket er registrert." in await main.inner_text()

    await book_meeting(kari)

    await kari.get_by_label("Organisasjonsnummer").fill("923 609 016")
    await kari.get_by_label("Registrert dato").fill("2026-11-20")
    await kari.get_by_role("button", name="Registrer bedriften").click()
    assert "Bedriften er registrert." in await main.inner_text()
    await check_page(kari, screenshot="staff-journey-case")

    async with kari.expect_download() as download:  # the case as a file, with the reason why
        await kari.get_by_label("Hvorfor eksporterer du saken?").fill(REASON)
        await kari.get_by_role("button", name=EXPORT_BUTTON).click()
    assert reference in (await (await download.value).path()).read_text("utf-8")

    await audit_shows_the_reads(admin, intake, reference)


async def audit_shows_the_reads(admin: Any, intake: str, reference: str) -> None:
    """The office admin's audit log of the case: Kari's search, her reads of the case page and
    her export with its reason; never the person's contact details."""
    await admin.goto(f"{intake}/pages/staff/audit")
    await admin.get_by_label("Saksnummer").fill(reference)
    await admin.get_by_role("button", name="Vis loggen").click()
    rows = [await row.inner_text() for row in await admin.locator("tbody tr").all()]
    by_kari = [row for row in rows if "Kari Rådgiver (ansatt)" in row]
    assert any("Søk (side)" in row for row in by_kari), rows
    assert sum("Innsyn (side)" in row for row in by_kari) >= 5, rows  # each form's page again
    assert any("Eksport (side)" in row and REASON in row for row in by_kari), rows
    shown = await admin.locator("main").inner_text()
    assert EMAIL not in shown and "Aud Fjord" not in shown and "913 45 678" not in shown
    await check_page(admin, screenshot="staff-journey-audit")
