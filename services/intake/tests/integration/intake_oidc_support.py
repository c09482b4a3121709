"""intake with staff signing in through the real OpenID Connect provider the project's script
starts (scripts/oidc_provider.sh), as a browser would: the sign-in page's link, the provider's
form (its users given as claims), intake's callback and its session cookie.

Imported by name (pytest's pythonpath has this folder), so it must stay uniquely named."""

from __future__ import annotations

import asyncio
import html
import json
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from intake_support import Intake, running_intake

from hoppid.shared.testing import eventually, free_port

REPO = Path(__file__).resolve().parents[4]
LINK_SECRET = "oidc-pages-test-link-secret-0123456789abcdef"


@asynccontextmanager
async def provider(*users: dict[str, str]) -> AsyncIterator[str]:
    """The provider on a port of its own, knowing ``users``: its issuer. The journeys and the
    browser tests start theirs with this too (this folder is on the suite's pythonpath)."""
    port = free_port()
    claims = (arg for user in users for arg in ("--user-claims", json.dumps(user)))
    process = await asyncio.create_subprocess_exec(
        str(REPO / "scripts" / "oidc_provider.sh"), str(port), *claims, env=os.environ.copy()
    )
    issuer = f"http://127.0.0.1:{port}"

    async def up() -> bool:
        async with httpx.AsyncClient(timeout=5) as client:
            found = await client.get(f"{issuer}/.well-known/openid-configuration")
            return found.status_code == 200

    try:  # the first run installs it from PyPI into the cache
        await eventually(up, timeout=180, what="the OpenID Connect provider")
        yield issuer
    finally:
        process.terminate()
        await process.wait()


@asynccontextmanager
async def intake_with_provider(
    issuer: str, topic_prefix: str, unique: str, database: Any
) -> AsyncIterator[Intake]:
    """intake at a known address (the provider sends the browser back there), with plain-http
    cookies (a test client over loopback) and the provider as staff's sign-in."""
    port = free_port()
    env = {
        "HOPPID_COOKIE_SECURE": "false",
        "HOPPID_LINK_SECRET": LINK_SECRET,
        "HOPPID_INTAKE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "HOPPID_OIDC_ISSUER": issuer,
        "HOPPID_OIDC_CLIENT_SECRET": "intake-pages-oidc-client-secret",
    }
    async with running_intake(topic_prefix, unique, database, port, **env) as intake:
        yield intake


async def sign_in_through_provider(client: httpx.AsyncClient, sub: str) -> httpx.Response:
    """Sign ``client`` in as ``sub``: intake's sign-in page, its link to the provider, the
    provider's form, back to intake's callback (its answer: 303 to the staff pages, or a
    refusal)."""
    page = await client.get("/pages/sign-in")
    link = re.search(r'href="([^"]*/pages/sign-in/oidc[^"]*)"', page.text)
    assert link, page.text
    start = await client.get(html.unescape(link.group(1)))
    assert start.status_code == 302, start.text
    async with httpx.AsyncClient(timeout=10) as at_provider:  # the person signs in there
        chosen = await at_provider.post(start.headers["location"], data={"sub": sub})
    assert chosen.status_code == 302, chosen.text
    return await client.get(chosen.headers["location"])
