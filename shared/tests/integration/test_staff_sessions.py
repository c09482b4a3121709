"""Staff sessions kept server-side in the store the services share (issue 13): sign-out ends a
session for every service at once, a copied cookie included; a revoked key, expiry and idle
time end it too. Against the real store, through two small apps standing for sibling services
(each its own database and key ring, the sessions store shared)."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI, Request

from hoppid.shared.access import KeyRing, new_api_key
from hoppid.shared.settings import ServiceSettings
from hoppid.shared.staff_sessions import COLLECTION, SessionRecord, StaffSessions, session_hash
from hoppid.shared.web import Pages, install_pages
from hoppid.shared.web.session import COOKIE

T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
IDLE = timedelta(minutes=30)
RECORD = SessionRecord("key-1", "mac")


async def test_a_session_lives_until_it_ends_expires_or_idles(database: Any) -> None:
    sessions = StaffSessions(database, IDLE)
    await sessions.start("id-1", RECORD, T0, T0 + timedelta(hours=8))
    assert await sessions.find("id-1", T0 + timedelta(minutes=20)) == RECORD
    # used 20 minutes in: it idles out 30 minutes after that use, not after the start
    assert await sessions.find("id-1", T0 + timedelta(minutes=45)) == RECORD
    assert await sessions.find("id-1", T0 + timedelta(minutes=76)) is None  # idle
    assert await sessions.find("id-2", T0) is None  # never started
    await sessions.start("id-3", RECORD, T0, T0 + timedelta(hours=1))
    for minutes in (25, 50):
        assert await sessions.find("id-3", T0 + timedelta(minutes=minutes)) == RECORD
    assert await sessions.find("id-3", T0 + timedelta(minutes=60)) is None  # expired
    await sessions.start("id-4", RECORD, T0, T0 + timedelta(hours=8))
    await sessions.end("id-4")
    assert await sessions.find("id-4", T0) is None  # signed out


async def test_the_store_holds_only_the_hash_of_a_session_id(database: Any) -> None:
    sessions = StaffSessions(database, IDLE)
    await sessions.start("the-random-id", RECORD, T0, T0 + timedelta(hours=8))
    stored = await database[COLLECTION].find_one({})
    assert stored is not None and stored["_id"] == session_hash("the-random-id")
    assert "the-random-id" not in str(stored)


def sibling(database: Any, sessions: StaffSessions) -> tuple[FastAPI, KeyRing]:
    ring = KeyRing(database, sessions=sessions)
    pages = Pages(ServiceSettings(cookie_secure=False), key_ring=ring)
    app = FastAPI()
    install_pages(app, pages)

    @app.get("/pages/staff/things")
    async def things(request: Request) -> str:
        return (await pages.signed_in(request)).office_id

    return app, ring


def client(app: FastAPI, cookie: str | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        cookies={COOKIE: cookie} if cookie else None,
    )


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found
    return found.group(1)


async def signed_in(app: FastAPI, key: str) -> tuple[httpx.AsyncClient, str]:
    browser = client(app)
    token = csrf_of((await browser.get("/pages/sign-in")).text)
    signed = await browser.post("/pages/sign-in", data={"key": key, "csrf": token})
    assert signed.status_code == 303
    return browser, signed.cookies[COOKIE]


async def test_signing_out_on_one_service_refuses_a_copied_cookie_on_both(
    mongo: Any, unique: str
) -> None:
    shared = StaffSessions(mongo[f"test_{unique}_sessions"], IDLE)
    (one, ring_one), (two, ring_two) = (
        sibling(mongo[f"test_{unique}_{name}"], shared) for name in ("one", "two")
    )
    key_id, key, key_hash = new_api_key()
    for ring in (ring_one, ring_two):  # as every service learns intake's key from its event
        await ring.remember(key_id, "nordveggen", "advisor", key_hash, T0)
    try:
        browser, cookie = await signed_in(one, key)
        assert key_hash not in cookie and key_id not in cookie  # nothing the events reveal
        for app in (one, two):
            async with client(app, cookie) as copy:
                assert (await copy.get("/pages/staff/things")).text == '"nordveggen"'
        token = csrf_of((await browser.get("/pages/sign-in")).text)
        assert (await browser.post("/pages/sign-out", data={"csrf": token})).status_code == 303
        for app in (one, two):
            async with client(app, cookie) as copy:
                refused = await copy.get("/pages/staff/things")
                assert refused.status_code == 303
                assert refused.headers["location"].startswith("/pages/sign-in")
        await browser.aclose()
    finally:
        for name in ("sessions", "one", "two"):
            await mongo.drop_database(f"test_{unique}_{name}")


async def test_a_revoked_key_ends_its_sessions(
    database: Any,
) -> None:
    sessions = StaffSessions(database, IDLE)
    app, ring = sibling(database, sessions)
    key_id, key, key_hash = new_api_key()
    await ring.remember(key_id, "nordveggen", "advisor", key_hash, T0)
    browser, cookie = await signed_in(app, key)
    await browser.aclose()
    async with client(app, cookie) as copy:
        assert (await copy.get("/pages/staff/things")).status_code == 200
        await ring.forget(key_id, T0)  # api_key.revoked reached this service
        assert (await copy.get("/pages/staff/things")).status_code == 303
