"""The shared page core: layout, languages, CSRF and staff sign-in, through a small app."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from hoppid.shared.access import KeyRing, new_api_key
from hoppid.shared.settings import ServiceSettings
from hoppid.shared.staff_sessions import StaffSessions
from hoppid.shared.web import Pages, install_pages
from hoppid.shared.web.i18n import LANGUAGES, choose_language
from hoppid.shared.web.session import read_session, sign_session

# its outcome could depend on the hour, weekday or DST: scripts/time_of_day.sh
pytestmark = pytest.mark.time_of_day


def app_with(key_ring: KeyRing | None = None) -> tuple[FastAPI, Pages]:
    settings = ServiceSettings(cookie_secure=False)
    pages = Pages(settings, key_ring=key_ring)
    app = FastAPI()
    install_pages(app, pages)
    return app, pages


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found
    return found.group(1)


async def test_every_shared_text_exists_in_every_language() -> None:
    _, pages = app_with()
    for lang in LANGUAGES:
        assert pages.texts.missing(lang) == []


async def test_language_from_query_then_cookie_then_browser() -> None:
    assert choose_language("en", "nn", "nb") == "en"
    assert choose_language(None, "nn", "en") == "nn"
    assert choose_language(None, None, "nn-NO,en;q=0.5") == "nn"
    assert choose_language(None, None, "no") == "nb"
    assert choose_language("xx", None, "fr") == "nb"


async def test_page_carries_language_headers_and_remembers_choice() -> None:
    app, _ = app_with()
    async with client(app) as http:
        page = await http.get("/pages/accessibility?lang=nn")
        assert page.status_code == 200
        assert '<html lang="nn">' in page.text
        assert "Tilgjengeerklæring" in page.text
        assert page.headers["referrer-policy"] == "no-referrer"
        assert "script-src 'none'" in page.headers["content-security-policy"]
        again = await http.get("/pages/accessibility")  # the cookie remembers nynorsk
        assert '<html lang="nn">' in again.text


async def test_form_without_the_csrf_token_is_refused() -> None:
    app, _ = app_with()
    async with client(app) as http:
        await http.get("/pages/sign-in")
        refused = await http.post("/pages/sign-in", data={"key": "x"})
        assert refused.status_code == 403
        assert "Skjemaet er utløpt" in refused.text


async def test_sign_in_with_a_key_starts_a_session_and_a_wrong_key_names_the_field(
    database: Any,
) -> None:
    ring = KeyRing(database, sessions=StaffSessions(database, timedelta(hours=1)))
    key_id, key, key_hash = new_api_key()
    await ring.remember(key_id, "nordveggen", "advisor", key_hash, datetime.now(UTC))
    app, _ = app_with(ring)
    async with client(app) as http:
        form = await http.get("/pages/sign-in?next=/pages/staff/cases")
        token = csrf_of(form.text)
        wrong = await http.post("/pages/sign-in", data={"key": "hk_nope.x", "csrf": token})
        assert wrong.status_code == 401
        assert 'aria-invalid="true"' in wrong.text and 'href="#field-key"' in wrong.text
        signed = await http.post(
            "/pages/sign-in", data={"key": key, "csrf": token, "next": "/pages/staff/cases"}
        )
        assert signed.status_code == 303
        assert signed.headers["location"] == "/pages/staff/cases"
        cookie = signed.cookies.get("hoppid_staff")
        assert cookie and key not in cookie  # the key itself never goes into the cookie
        away = await http.post(
            "/pages/sign-in", data={"key": key, "csrf": token, "next": "//evil.example"}
        )
        assert away.headers["location"] == "/pages/staff"  # no open redirect


async def test_a_session_is_signed_and_expires() -> None:
    now = datetime.now(UTC)
    value = sign_session("s" * 32, "session-1", now, hours=1)
    assert read_session("s" * 32, value, now) == "session-1"
    assert read_session("s" * 32, value, now + timedelta(hours=2)) is None
    assert read_session("t" * 32, value, now) is None
    assert read_session("s" * 32, value.replace(".", "x."), now) is None


async def test_a_staff_page_without_a_session_answers_with_the_sign_in() -> None:
    app, pages = app_with()

    @app.get("/pages/staff/things")
    async def things(request: Request) -> str:
        return (await pages.signed_in(request)).office_id

    async with client(app) as http:
        answer = await http.get("/pages/staff/things")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/pages/sign-in?next=/pages/staff/things"
