"""A staff session in the browser across the platform (issue 13): signed in on one service, it
opens the staff pages of all four (they share the host, so the browser sends the cookie to each);
signing out on any of them ends it at once on all four, so a copy of the cookie taken before is
refused everywhere, without waiting for an event. The four services run as their own processes
against the real Kafka and store; the test talks to their pages as a browser would."""

import re

import httpx
from platform_support import ADMIN_KEY, SERVICES, Platform, bearer

from hoppid.shared.testing import eventually

COOKIE = "hoppid_staff"
# a page of each service that only signed-in staff see; notifications' only staff page is the
# development mailbox, off here: a signed-in office's staff gets its 404, anyone else the sign-in
STAFF_PAGES = {
    "intake": ("/pages/staff/cases", 200),
    "scheduling": ("/pages/staff/calendar", 200),
    "notifications": ("/pages/staff/mailbox", 404),
    "reporting": ("/pages/staff/figures", 200),
}


async def office_key(platform: Platform, client: httpx.AsyncClient) -> str:
    issued = await client.post(
        f"{platform.url('intake')}/v1/offices/nordveggen/keys",
        headers=bearer(ADMIN_KEY),
        json={"role": "advisor", "label": "sessions journey"},
    )
    assert issued.status_code == 201, issued.text
    return str(issued.json()["key"])


class Browser:
    """Cookies kept by hand: the services mark them Secure (HTTPS only), as in production, and
    httpx sends no Secure cookie over plain http, while a browser on loopback does."""

    def __init__(self) -> None:
        self.http = httpx.AsyncClient(timeout=10)
        self.cookies: dict[str, str] = {}

    def _header(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    async def get(self, url: str) -> httpx.Response:
        return self._keep(await self.http.get(url, headers=self._header()))

    async def post(self, url: str, data: dict[str, str]) -> httpx.Response:
        return self._keep(await self.http.post(url, data=data, headers=self._header()))

    def _keep(self, response: httpx.Response) -> httpx.Response:
        for header in response.headers.get_list("set-cookie"):
            name, value = header.split(";", 1)[0].split("=", 1)
            if value.strip('"') and "max-age=0" not in header.lower():
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        return response

    async def csrf_token(self, url: str) -> str:
        page = await self.get(f"{url}/pages/sign-in")
        found = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
        assert found, page.text
        return found.group(1)


async def sign_in(browser: Browser, url: str, key: str) -> str:
    """The session cookie a browser gets for signing in with ``key`` on the service at ``url``."""
    token = await browser.csrf_token(url)
    signed = await browser.post(f"{url}/pages/sign-in", data={"key": key, "csrf": token})
    assert signed.status_code == 303, signed.text
    return browser.cookies[COOKIE]


async def status_with(platform: Platform, service: str, cookie: str) -> int:
    path, _ = STAFF_PAGES[service]
    async with httpx.AsyncClient(timeout=10) as copy:
        url = f"{platform.url(service)}{path}"
        return (await copy.get(url, headers={"Cookie": f"{COOKIE}={cookie}"})).status_code


async def test_signing_out_on_any_service_ends_the_session_on_all_four(
    platform: Platform,
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        key = await office_key(platform, client)
        for signs_out_on in ("intake", "reporting"):
            browser = Browser()
            cookie = await sign_in(browser, platform.url("intake"), key)
            for service in SERVICES:  # the session opens every service's staff pages

                async def opens(service: str = service, cookie: str = cookie) -> bool:
                    return await status_with(platform, service, cookie) == STAFF_PAGES[service][1]

                await eventually(opens, what=f"{service} knows the key and opens its page")
            token = await browser.csrf_token(platform.url(signs_out_on))
            out = await browser.post(
                f"{platform.url(signs_out_on)}/pages/sign-out", data={"csrf": token}
            )
            assert out.status_code == 303
            assert COOKIE not in browser.cookies  # the browser forgets it ...
            await browser.http.aclose()
            # ... and the copy taken before is refused at once by every service (the sign-in)
            answers = {
                service: await status_with(platform, service, cookie) for service in SERVICES
            }
            assert answers == dict.fromkeys(SERVICES, 303), f"signed out on {signs_out_on}"
