"""Browser tests that sign staff in as themselves: the platform with the real OpenID Connect
provider (scripts/oidc_provider.sh) on loopback, and the few clicks through its form.

Imported by name (this folder is on pytest's pythonpath), so it must stay uniquely named."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from browser_support import WebPlatform
from intake_oidc_support import provider

SIGN_IN_LINK = "Logg inn med kontoen fra organisasjonen din"


class OidcWebPlatform(WebPlatform):
    """The web platform whose services trust the local provider for staff sign-in."""

    def __init__(self, prefix: str, unique: str, issuer: str) -> None:
        super().__init__(prefix, unique)
        self.issuer = issuer

    def env(self, name: str) -> dict[str, str]:
        return {
            **super().env(name),
            "HOPPID_OIDC_ISSUER": self.issuer,
            "HOPPID_OIDC_CLIENT_SECRET": "browser-oidc-client-secret",
        }


@asynccontextmanager
async def oidc_platform(
    prefix: str, unique: str, mongo: Any, users: Sequence[dict[str, str]], services: Sequence[str]
) -> AsyncIterator[OidcWebPlatform]:
    """The provider knowing ``users`` (their claims), then ``services`` started against it; all
    stopped and the test's databases dropped after."""
    async with provider(*users) as issuer:
        platform = OidcWebPlatform(prefix, unique, issuer)
        try:
            if "notifications" in services:
                await platform.start_devmail()
            for name in services:
                await platform.start(name)
            yield platform
        finally:
            await platform.stop_and_drop(mongo)


async def through_provider(page: Any, sub: str) -> None:
    """From our sign-in page, through the provider's own form as ``sub`` (its button)."""
    await page.wait_for_url(re.compile(r"/pages/sign-in\?next="))
    await page.get_by_role("link", name=SIGN_IN_LINK).click()
    await page.wait_for_url(re.compile(r"/oauth2/authorize"))  # the provider's own form
    await page.locator(f'button[name="sub"][value="{sub}"]').click()
