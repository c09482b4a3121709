"""An advisor signs in as themselves in Chromium (issue 14): a deep link to scheduling's
calendar (with a query) leads to its sign-in page, through the real OpenID Connect provider
(scripts/oidc_provider.sh) and intake's callback back to that very address; the same session
opens intake's case list; sign-out ends it here and at the provider (its end-session form) and
comes back to intake's signed-out page. Our pages on the way are checked with axe-core (the
provider's own forms are not ours)."""

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from browser_oidc_support import OidcWebPlatform, oidc_platform, through_provider
from browser_support import check_page, new_page
from platform_support import put_account

ADVISOR = {"sub": "ingrid.radgjevar", "email": "ingrid@nordveggen.example", "name": "Ingrid"}


@pytest.fixture
async def oidc_web(topic_prefix: str, unique: str, mongo: Any) -> AsyncIterator[OidcWebPlatform]:
    async with oidc_platform(
        topic_prefix, unique, mongo, [ADVISOR], ("intake", "scheduling")
    ) as platform:
        yield platform


async def test_an_advisor_signs_in_through_the_provider_and_out(
    oidc_web: OidcWebPlatform, browser: Any
) -> None:
    intake, scheduling = oidc_web.public("intake"), oidc_web.public("scheduling")
    await put_account(intake, ADVISOR["sub"], {"role": "advisor", "name": "Ingrid Rådgjevar"})
    page = await new_page(browser)
    deep = f"{scheduling}/pages/staff/calendar?done=held&view=week"
    await page.goto(deep)
    await page.wait_for_url(re.compile(r"/pages/sign-in\?next="))
    await check_page(page)
    await through_provider(page, ADVISOR["sub"])
    await page.wait_for_url(deep)  # back where the advisor was going, query and all
    assert page.url == deep
    await check_page(page)
    await page.goto(f"{intake}/pages/staff/cases")  # the same session, another service
    assert re.search(r"/pages/staff/cases$", page.url)
    await check_page(page)
    await page.get_by_role("button", name="Logg ut").click()
    await page.wait_for_url(re.compile(r"/oauth2/end_session"))  # the provider's own form
    await page.get_by_role("button", name="End session").click()
    await page.wait_for_url(f"{intake}/pages/signed-out")
    await page.get_by_role("heading", name="Du er logget ut").wait_for()
    await check_page(page)
    for service in (intake, scheduling):  # the session has ended on both
        await page.goto(f"{service}/pages/staff")
        await page.wait_for_url(re.compile(r"/pages/sign-in"))
