"""Browser tests: Debian's headless Chromium driven by Playwright, against all four services
running as their own processes, with the development mailbox (a real SMTP server on loopback)
in between. Every page a test visits is checked with axe-core and can be saved as a screenshot.

Imported by name (this folder is on pytest's pythonpath), so it must stay uniquely named."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from platform_support import ADMIN_KEY, SERVICES, Platform

from hoppid.shared.testing import ServiceProcess, eventually, free_port

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("HOPPID_CHROMIUM", "/usr/bin/chromium")
AXE = REPO / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "docs" / "screenshots"
# this machine's network is closed: without these Chromium keeps trying to reach Google
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# axe-core impacts that fail a page (WCAG 2.1 AA rules only)
FAILING_IMPACTS = ("serious", "critical")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"width": 390, "height": 844}


class WebPlatform(Platform):
    """The journey platform, with each service told where its siblings' pages are, plain-http
    cookies (loopback), and the development mailbox process as the SMTP server."""

    def __init__(self, prefix: str, unique: str) -> None:
        from platform_support import Mailbox

        super().__init__(prefix, unique, Mailbox(), free_port())
        self.ports = {name: free_port() for name in SERVICES}
        self.maildir = Path(tempfile.mkdtemp(prefix="hoppid-devmail-"))
        self.devmail: asyncio.subprocess.Process | None = None

    def env(self, name: str) -> dict[str, str]:
        pages = {s: f"{self.public(s)}/pages/me/" for s in SERVICES}  # links in messages
        return {
            **super().env(name),
            **{f"HOPPID_{s.upper()}_PUBLIC_URL": self.public(s) for s in SERVICES},
            "HOPPID_COOKIE_SECURE": "false",
            "HOPPID_NOTIFICATIONS_DEV_MAILBOX": "true",
            "HOPPID_NOTIFICATIONS_ADMIN_KEY": ADMIN_KEY,  # the mailbox's one reader (issue 13)
            "HOPPID_NOTIFICATIONS_DEVMAIL_DIR": str(self.maildir),
            "HOPPID_NOTIFICATIONS_DEVMAIL_PORT": str(self.smtp_port),
            # the receipt's link opens the person's case page in intake
            "HOPPID_NOTIFICATIONS_LINK_BASE_URL": pages["intake"],
            "HOPPID_NOTIFICATIONS_BOOKING_BASE_URL": pages["scheduling"],
            "HOPPID_NOTIFICATIONS_PREFERENCES_BASE_URL": pages["notifications"],
        }

    def public(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    async def start(self, name: str) -> ServiceProcess:
        if name not in self.services:
            self.services[name] = ServiceProcess(name, self.env(name), port=self.ports[name])
        return await super().start(name)

    async def start_devmail(self) -> None:
        self.devmail = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "hoppid.notifications.delivery.mailbox.devmail",
            env={**os.environ, **self.env("notifications")},
        )

    async def stop(self) -> None:
        await super().stop()
        if self.devmail is not None and self.devmail.returncode is None:
            self.devmail.terminate()
            await self.devmail.wait()


@asynccontextmanager
async def chromium() -> AsyncIterator[Any]:
    """A headless Chromium of the machine (never a downloaded browser)."""
    from playwright.async_api import async_playwright

    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 (once, before the browser starts)
        raise AssertionError(f"Chromium is not at {CHROMIUM}: run scripts/browser.sh")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            await browser.close()


async def new_page(browser: Any, phone: bool = False) -> Any:
    """A fresh browser context (own cookies); axe is injected past the pages' CSP."""
    context = await browser.new_context(
        bypass_csp=True,
        locale="nb-NO",
        viewport=PHONE if phone else {"width": 1200, "height": 900},
    )
    return await context.new_page()


async def serious_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical WCAG 2.1 A/AA violations on the page as it is now."""
    if not AXE.exists():
        raise AssertionError(f"axe-core is not at {AXE}: run scripts/browser.sh")
    await page.add_script_tag(content=AXE.read_text("utf-8"))
    result = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [v for v in result["violations"] if v.get("impact") in FAILING_IMPACTS]


# a page and its style sheet, as sent: small enough for a phone on a rural connection (a whole
# page here is a few kilobytes; a chart page with its tables is the largest)
PAGE_BUDGET_BYTES = 60_000
WEIGHT = """() => performance.getEntriesByType('navigation')
    .concat(performance.getEntriesByType('resource'))
    .reduce((sum, entry) => sum + (entry.encodedBodySize || 0), 0)"""


async def page_weight(page: Any) -> int:
    """Bytes of the page and what it loaded, as they came over the wire."""
    return int(await page.evaluate(WEIGHT))


async def check_page(page: Any, screenshot: str | None = None) -> None:
    """Fail on any serious accessibility violation or a page over the weight budget; save a
    screenshot for the docs if named."""
    weight = await page_weight(page)
    assert weight <= PAGE_BUDGET_BYTES, f"{page.url} weighs {weight} bytes"
    found = await serious_violations(page)
    details = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in found
    ]
    assert not found, f"accessibility violations on {page.url}:\n" + "\n".join(details)
    if screenshot:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOTS / f"{screenshot}.png"), full_page=True)


async def wait_ready(platform: WebPlatform) -> None:
    import httpx

    async def all_ready() -> bool:
        async with httpx.AsyncClient(timeout=5) as client:
            for name in SERVICES:
                if (await client.get(f"{platform.public(name)}/readyz")).status_code != 200:
                    return False
        return True

    await eventually(all_ready, timeout=90, what="all services ready")
