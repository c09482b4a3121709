"""Staff land back on the page they asked for after signing in (path and query), on the service
that asked, and nowhere else; sign-out of a session signed in through OpenID Connect goes on to
the provider's end-session endpoint (RP-initiated logout) and back to the signed-out page, or
straight there when the provider has none or does not answer. Through small apps on the shared
page core against the real store, with a discovery document served over real HTTP on loopback
(the whole round trip through the real provider: tests/journeys/test_staff_oidc.py)."""

import html
import json
import re
import threading
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from hoppid.shared.access import KeyRing, Staff, new_api_key
from hoppid.shared.oidc import Attempt
from hoppid.shared.settings import ServiceSettings
from hoppid.shared.staff_sessions import COLLECTION, StaffSessions
from hoppid.shared.testing import free_port
from hoppid.shared.web import Pages, install_pages
from hoppid.shared.web.session import COOKIE

INTAKE, SCHEDULING = "http://intake.test", "http://scheduling.test"
DEEP = "/pages/staff/things?week=2026-W49&advisor=adv-1"
ID_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJpbmdyaWQiLCJlbWFpbCI6ImlAbi5leGFtcGxlIn0.c2ln"
T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)  # when the key was issued
ADVISOR = Staff("account:ingrid", "nordveggen", "advisor", "adv-1")


class Discovery:
    """A provider's discovery document on loopback (what the sign-out reads), nothing else."""

    def __init__(self, end_session: bool) -> None:
        self.issuer = f"http://127.0.0.1:{free_port()}"
        document = {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
        }
        if end_session:
            document["end_session_endpoint"] = f"{self.issuer}/oauth2/end_session"
        body = json.dumps(document).encode()

        class Answer(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                found = self.path == "/.well-known/openid-configuration"
                self.send_response(200 if found else 404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body if found else b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        port = int(self.issuer.rsplit(":", 1)[1])
        self.server = ThreadingHTTPServer(("127.0.0.1", port), Answer)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider() -> Iterator[Discovery]:
    found = Discovery(end_session=True)
    yield found
    found.close()


@pytest.fixture
def provider_without_end_session() -> Iterator[Discovery]:
    found = Discovery(end_session=False)
    yield found
    found.close()


def service(
    database: Any, name: str = "scheduling", issuer: str = ""
) -> tuple[FastAPI, Pages, KeyRing]:
    """A small app standing for one of the four services (its pages know their name)."""
    ring = KeyRing(database, sessions=StaffSessions(database, timedelta(hours=1)))
    settings = ServiceSettings(
        cookie_secure=False,
        intake_public_url=INTAKE,
        scheduling_public_url=SCHEDULING,
        oidc_issuer=issuer,
    )
    pages = Pages(settings, key_ring=ring, service=name)
    app = FastAPI()
    install_pages(app, pages)

    @app.get("/pages/staff/things")
    async def things(request: Request) -> str:
        return (await pages.signed_in(request)).office_id

    @app.post("/pages/staff/things/change")
    async def change(request: Request) -> str:
        return (await pages.signed_in(request)).office_id

    @app.get("/test/return")  # intake's OpenID Connect start and callback, in one
    async def round_trip(request: Request) -> str:
        return pages.return_url(pages.oidc_attempt(request))

    @app.get("/test/account-session")  # what intake's callback does for a mapped account
    async def account_session() -> Response:
        response = Response()
        await pages.start_account_session(response, ADVISOR, ID_TOKEN)
        return response

    return app, pages, ring


def client(app: FastAPI) -> httpx.AsyncClient:
    base = SCHEDULING
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base)


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert found
    return found.group(1)


def hidden_next(page: str) -> str:
    found = re.search(r'name="next" value="([^"]*)"', page)
    assert found
    return html.unescape(found.group(1))


def oidc_link(page: str) -> dict[str, list[str]]:
    found = re.search(r'href="(http://intake\.test/pages/sign-in/oidc[^"]*)"', page)
    assert found, page
    return urllib.parse.parse_qs(urllib.parse.urlsplit(html.unescape(found.group(1))).query)


async def test_a_deep_link_comes_back_after_signing_in_with_a_key(database: Any) -> None:
    app, _, ring = service(database, issuer="http://127.0.0.1:9")
    key_id, key, key_hash = new_api_key()
    await ring.remember(key_id, "nordveggen", "advisor", key_hash, T0)
    async with client(app) as browser:
        asked = await browser.get(DEEP)
        assert asked.status_code == 303
        sign_in = asked.headers["location"]
        assert sign_in == "/pages/sign-in?next=" + urllib.parse.quote(DEEP, safe="/")
        form = await browser.get(sign_in)
        assert hidden_next(form.text) == DEEP
        # the provider's way round intake names the page and this service
        assert oidc_link(form.text) == {"next": [DEEP], "service": ["scheduling"]}
        signed = await browser.post(
            "/pages/sign-in", data={"key": key, "csrf": csrf_of(form.text), "next": DEEP}
        )
        assert signed.status_code == 303 and signed.headers["location"] == DEEP
        browser.cookies.set(COOKIE, signed.cookies[COOKIE])
        assert (await browser.get(DEEP)).text == '"nordveggen"'


AWAY = [
    "//evil.example/pages/staff",
    "/\\evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "/pages/staff\r\nSet-Cookie: hoppid_staff=x",
    "/\t/evil.example",
    "evil.example",
]


@pytest.mark.parametrize("away", AWAY)
async def test_a_sign_in_never_sends_anyone_to_another_site(database: Any, away: str) -> None:
    app, _, ring = service(database, issuer="http://127.0.0.1:9")
    key_id, key, key_hash = new_api_key()
    await ring.remember(key_id, "nordveggen", "advisor", key_hash, T0)
    async with client(app) as browser:
        form = await browser.get("/pages/sign-in", params={"next": away})
        assert hidden_next(form.text) == "/pages/staff"
        assert oidc_link(form.text)["next"] == ["/pages/staff"]
        signed = await browser.post(
            "/pages/sign-in", data={"key": key, "csrf": csrf_of(form.text), "next": away}
        )
        assert signed.status_code == 303 and signed.headers["location"] == "/pages/staff"
        # the provider's round trip (intake's, here for this service): the path as refused
        back = await browser.get("/test/return", params={"next": away, "service": "scheduling"})
        assert back.json() == "/pages/staff"


async def test_the_provider_s_round_trip_returns_to_the_service_that_asked(database: Any) -> None:
    app, pages, _ = service(database, name="intake")
    async with client(app) as browser:

        async def back(**query: str) -> str:
            return str((await browser.get("/test/return", params=query)).json())

        calendar = "/pages/staff/calendar?week=2026-W49"
        assert await back(next=calendar, service="scheduling") == f"{SCHEDULING}{calendar}"
        assert await back(next="/pages/staff/cases/c-1", service="intake") == (
            "/pages/staff/cases/c-1"
        )
        # a service that is none of the four: this one's own page, never a host from the query
        assert await back(next=calendar, service="evil.example") == calendar
        assert await back(next=calendar) == calendar
    # a state cookie is signed, but its contents are checked again where they are used
    forged = Attempt("s", "n", "v", "//evil.example", "scheduling")
    assert pages.return_url(forged) == f"{SCHEDULING}/pages/staff"


async def test_a_form_post_whose_session_ended_signs_in_to_the_start_page(
    database: Any,
) -> None:
    app, _, _ = service(database)
    async with client(app) as browser:
        posted = await browser.post("/pages/staff/things/change")
        assert posted.status_code == 303 and posted.headers["location"] == "/pages/sign-in"


async def account_session(browser: httpx.AsyncClient) -> str:
    started = await browser.get("/test/account-session")
    cookie = started.cookies[COOKIE]
    browser.cookies.set(COOKIE, cookie)
    return cookie


async def sign_out(browser: httpx.AsyncClient, lang: str = "nb") -> httpx.Response:
    form = await browser.get(f"/pages/sign-in?lang={lang}")
    return await browser.post("/pages/sign-out", data={"csrf": csrf_of(form.text)})


async def test_sign_out_ends_the_provider_s_session_too(database: Any, provider: Discovery) -> None:
    app, _, _ = service(database, issuer=provider.issuer)
    async with client(app) as browser:
        cookie = await account_session(browser)
        stored = await database[COLLECTION].find_one({"key_id": ADVISOR.key_id})
        assert stored is not None and stored["id_token_sealed"]
        assert "eyJ" not in str(stored) and ID_TOKEN not in str(stored)  # sealed
        out = await sign_out(browser, lang="nn")
        assert out.status_code == 303
        to = urllib.parse.urlsplit(out.headers["location"])
        assert f"{to.scheme}://{to.netloc}{to.path}" == f"{provider.issuer}/oauth2/end_session"
        assert urllib.parse.parse_qs(to.query) == {
            "id_token_hint": [ID_TOKEN],
            "client_id": ["hoppid"],
            "post_logout_redirect_uri": [f"{SCHEDULING}/pages/signed-out"],
            "ui_locales": ["nn"],
        }
        forgets = [c for c in out.headers.get_list("set-cookie") if c.startswith(COOKIE)]
        assert forgets and "max-age=0" in forgets[0].lower()  # the browser forgets it ...
    async with client(app) as copy:  # ... and a copy taken before is refused
        copy.cookies.set(COOKIE, cookie)
        refused = await copy.get("/pages/staff/things")
        assert refused.status_code == 303 and refused.headers["location"].startswith(
            "/pages/sign-in"
        )
        # signed out twice (the session already gone): straight to the signed-out page
        again = await sign_out(copy)
        assert again.headers["location"] == "/pages/signed-out"
    assert await database[COLLECTION].count_documents({"key_id": ADVISOR.key_id}) == 0


async def test_sign_out_falls_back_to_the_signed_out_page(
    database: Any, provider_without_end_session: Discovery
) -> None:
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    for issuer in (provider_without_end_session.issuer, down):
        app, _, _ = service(database, issuer=issuer)
        async with client(app) as browser:
            cookie = await account_session(browser)
            out = await sign_out(browser)
            assert out.status_code == 303 and out.headers["location"] == "/pages/signed-out"
            browser.cookies.clear()
            browser.cookies.set(COOKIE, cookie)
            assert (await browser.get("/pages/staff/things")).status_code == 303  # ended


async def test_a_key_s_sign_out_never_asks_the_provider(database: Any, provider: Discovery) -> None:
    app, _, ring = service(database, issuer=provider.issuer)
    key_id, key, key_hash = new_api_key()
    await ring.remember(key_id, "nordveggen", "advisor", key_hash, T0)
    async with client(app) as browser:
        form = await browser.get("/pages/sign-in")
        signed = await browser.post("/pages/sign-in", data={"key": key, "csrf": csrf_of(form.text)})
        browser.cookies.set(COOKIE, signed.cookies[COOKIE])
        out = await sign_out(browser)
        assert out.headers["location"] == "/pages/signed-out"


@pytest.mark.parametrize(
    ("lang", "title"),
    [("nb", "Du er logget ut"), ("nn", "Du er logga ut"), ("en", "You are signed out")],
)
async def test_the_signed_out_page_speaks_every_language(
    database: Any, lang: str, title: str
) -> None:
    app, _, _ = service(database)
    async with client(app) as browser:
        page = await browser.get(f"/pages/signed-out?lang={lang}")
        assert page.status_code == 200 and f"<h1>{title}</h1>" in page.text
        assert 'href="/pages/sign-in"' in page.text
