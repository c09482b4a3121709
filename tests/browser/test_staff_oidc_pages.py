"""An advisor signs in as themselves in Chromium (issue 14): a deep link to scheduling's
calendar (with a query) leads to its sign-in page, through the real OpenID Connect provider
(scripts/oidc_provider.sh) and intake's callback back to that very address; the same session
opens intake's case list; sign-out ends it here and at the provider (its end-session form) and
comes back to intake's signed-out page. Our pages on the way are checked with axe-core (the
provider's own forms are not ours)."""

import asyncio
import json
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser_support import WebPlatform, check_page, new_page
from platform_support import put_account

from hoppid.shared.testing import eventually, free_port

REPO = Path(__file__).resolve().parents[2]
ADVISOR = {"sub": "ingrid.radgjevar", "email": "ingrid@nordveggen.example", "name": "Ingrid"}


class OidcWebPlatform(WebPlatform):
    def __init__(self, prefix: str, unique: str, issuer: str) -> None:
        super().__init__(prefix, unique)
        self.issuer = issuer

    def env(self, name: str) -> dict[str, str]:
        return {
            **super().env(name),
            "HOPPID_OIDC_ISSUER": self.issuer,
            "HOPPID_OIDC_CLIENT_SECRET": "browser-oidc-client-secret",
        }


@pytest.fixture
async def oidc_web(topic_prefix: str, unique: str, mongo: Any) -> AsyncIterator[OidcWebPlatform]:
    port = free_port()
    provider = await asyncio.create_subprocess_exec(
        str(REPO / "scripts" / "oidc_provider.sh"),
        str(port),
        "--user-claims",
        json.dumps(ADVISOR),
        env=os.environ.copy(),
    )
    platform = OidcWebPlatform(topic_prefix, unique, f"http://127.0.0.1:{port}")

    async def up() -> bool:
        async with httpx.AsyncClient(timeout=5) as client:
            found = await client.get(f"{platform.issuer}/.well-known/openid-configuration")
            return found.status_code == 200

    try:
        await eventually(up, timeout=180, what="the OpenID Connect provider")
        for name in ("intake", "scheduling"):
            await platform.start(name)
        yield platform
    finally:
        await platform.stop()
        provider.terminate()
        await provider.wait()
        for name in platform.databases():
            await mongo.drop_database(name)


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
    await page.get_by_role("link", name="Logg inn med kontoen fra organisasjonen din").click()
    await page.wait_for_url(re.compile(r"/oauth2/authorize"))  # the provider's own form
    await page.locator(f'button[name="sub"][value="{ADVISOR["sub"]}"]').click()
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
