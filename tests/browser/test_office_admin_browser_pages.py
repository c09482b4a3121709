"""An office admin manages the office's staff accounts and machine keys in Chromium (issue 14):
signed in as themselves through the real OpenID Connect provider, from scheduling's office
settings by the staff menu to intake's accounts page; an account added (refused first without
a name, the typed sign-in ID kept), changed and removed (after its confirmation page); a key
issued (refused first without a label; its secret shown once) and revoked. Every page of ours
passes axe-core; screenshots of the new pages for the docs."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from browser_oidc_support import OidcWebPlatform, oidc_platform, through_provider
from browser_support import check_page, new_page
from platform_support import put_account

ADMIN = {"sub": "anne.admin", "email": "anne@nordveggen.example", "name": "Anne"}
ADVISOR = {"sub": "ingrid.radgjevar", "email": "ingrid@nordveggen.example", "name": "Ingrid"}
REFUSED = "Noe må rettes"  # the error summary's heading


@pytest.fixture
async def oidc_web(topic_prefix: str, unique: str, mongo: Any) -> AsyncIterator[OidcWebPlatform]:
    async with oidc_platform(
        topic_prefix, unique, mongo, [ADMIN], ("intake", "scheduling")
    ) as platform:
        yield platform


async def test_an_office_admin_manages_the_office_s_accounts_and_keys(
    oidc_web: OidcWebPlatform, browser: Any
) -> None:
    intake, scheduling = oidc_web.public("intake"), oidc_web.public("scheduling")
    await put_account(intake, ADMIN["sub"], {"role": "office_admin", "name": "Anne Admin"})
    await put_account(intake, ADVISOR["sub"], {"role": "advisor", "name": "Ingrid Rådgjevar"})
    page = await new_page(browser)
    await page.goto(f"{scheduling}/pages/staff/office")
    await through_provider(page, ADMIN["sub"])
    await page.wait_for_url(f"{scheduling}/pages/staff/office")
    await page.get_by_role("link", name="Ansattkontoer").click()  # scheduling's staff menu
    await page.wait_for_url(f"{intake}/pages/staff/accounts")
    await check_page(page, screenshot="intake-office-accounts")

    await page.get_by_label("Innloggings-ID").fill("per.radgiver")
    await page.get_by_role("button", name="Legg til kontoen").click()  # no name: refused
    await page.get_by_role("heading", name=REFUSED).wait_for()
    await check_page(page, screenshot="intake-office-accounts-error")
    assert await page.get_by_label("Innloggings-ID").input_value() == "per.radgiver"
    await page.get_by_label("Navn", exact=True).fill("Per Rådgiver")
    await page.get_by_role("button", name="Legg til kontoen").click()
    await page.get_by_text("Kontoen er lagt til.").wait_for()
    await page.get_by_role("link", name="Endre Per Rådgiver").click()
    await page.get_by_role("heading", name="Endre kontoen").wait_for()
    await check_page(page, screenshot="intake-office-account")
    await page.get_by_label("Rådgiver i timeplanen").fill("adv-per")
    await page.get_by_role("button", name="Lagre kontoen").click()
    await page.get_by_text("Kontoen er endret.").wait_for()
    await page.get_by_role("link", name="Fjern Ingrid Rådgjevar").click()
    await page.get_by_role("heading", name="Fjerne kontoen?").wait_for()
    await check_page(page, screenshot="intake-office-account-remove")
    await page.get_by_role("button", name="Ja, fjern kontoen").click()
    await page.get_by_text("Kontoen er fjernet.").wait_for()
    assert await page.get_by_text(ADVISOR["sub"]).count() == 0

    await page.get_by_role("link", name="Maskinnøkler").click()
    await page.wait_for_url(f"{intake}/pages/staff/keys")
    await check_page(page, screenshot="intake-office-keys")
    await page.get_by_role("button", name="Utsted nøkkelen").click()  # no label: refused
    await page.get_by_role("heading", name=REFUSED).wait_for()
    await check_page(page)
    await page.get_by_label("Hvem den er til").fill("Bookingsystemet")
    await page.get_by_role("button", name="Utsted nøkkelen").click()
    await page.get_by_role("heading", name="Kopier nøkkelen nå").wait_for()
    await check_page(page, screenshot="intake-office-key-issued")
    secret = await page.get_by_label("Nøkkelen", exact=True).input_value()
    assert secret.startswith("hk_")
    await page.get_by_role("link", name="Tilbake til nøklene").click()
    await page.get_by_role("link", name="Trekk tilbake Bookingsystemet").wait_for()
    assert secret not in await page.content()  # shown once only
    await page.get_by_role("link", name="Trekk tilbake Bookingsystemet").click()
    await page.get_by_role("heading", name="Trekke tilbake nøkkelen?").wait_for()
    await check_page(page)
    await page.get_by_role("button", name="Ja, trekk tilbake nøkkelen").click()
    await page.get_by_text("Nøkkelen er trukket tilbake.").wait_for()
    await check_page(page)
