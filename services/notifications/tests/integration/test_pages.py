"""notifications's pages on the running service: the person's preferences through their link
(same store as the JSON API), CSRF, field errors and languages; the development mailbox, page and
JSON API, for a platform admin only (key or signed in), and only when it is on (issue 13)."""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from notifications_support import IntakeEvents, SmtpServer, notifications_env, started

from hoppid.contracts import intake as ev
from hoppid.notifications.delivery.mailbox.devmail import keep
from hoppid.shared.access import new_api_key
from hoppid.shared.testing import ServiceProcess, eventually

ADMIN_KEY = "test-admin-key-of-the-notifications-pages"  # HOPPID_NOTIFICATIONS_ADMIN_KEY
PROBLEM = "application/problem+json"


@pytest.fixture
async def web(
    request: pytest.FixtureRequest,
    topic_prefix: str,
    unique: str,
    database: Any,
    smtp: SmtpServer,
    tmp_path: Path,
) -> AsyncIterator[tuple[ServiceProcess, Path]]:
    """The service on plain http (cookies not Secure), its development mailbox on unless the
    test parametrizes this fixture with False."""
    folder = tmp_path / "devmail"
    env = notifications_env(
        topic_prefix,
        unique,
        smtp.port,
        HOPPID_COOKIE_SECURE="false",
        HOPPID_NOTIFICATIONS_DEV_MAILBOX=str(getattr(request, "param", True)).lower(),
        HOPPID_NOTIFICATIONS_DEVMAIL_DIR=str(folder),
        HOPPID_NOTIFICATIONS_ADMIN_KEY=ADMIN_KEY,
    )
    service = ServiceProcess("notifications", env)
    try:
        await started(service)
        yield service, folder
    finally:
        await service.stop()
    assert "Traceback" not in service.log_text()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found, "every form carries its CSRF token"
    return found.group(1)


async def staff_key(intake_events: IntakeEvents, url: str) -> str:
    """A key issued as intake issues one (its event), once this service accepts it."""
    key_id, key, key_hash = new_api_key()
    issued = ev.ApiKeyIssued(
        key_id=key_id,
        office_id="nordveggen",
        role="advisor",
        key_hash=key_hash,
        issued_at=datetime.now(UTC),
    )
    await intake_events.publish(
        issued.to_envelope(source=ev.SOURCE, subject=key_id, office="nordveggen")
    )
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:

        async def accepted() -> bool:
            form = await client.get("/pages/sign-in")
            posted = await client.post(
                "/pages/sign-in", data={"key": key, "next": "/", "csrf": csrf_of(form.text)}
            )
            return posted.status_code == 303

        await eventually(accepted, timeout=60, what="notifications knows intake's key")
    return key


@asynccontextmanager
async def signed_in(url: str, key: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=url, timeout=10) as browser:
        form = await browser.get("/pages/sign-in")
        posted = await browser.post(
            "/pages/sign-in",
            data={"key": key, "next": "/pages/staff/mailbox", "csrf": csrf_of(form.text)},
        )
        assert posted.status_code == 303, posted.text
        yield browser


def checked(html: str, channel: str) -> bool:
    found = re.search(rf'<input type="checkbox"[^>]*value="{channel}"[^>]*>', html)
    assert found, f"a check box for {channel}"
    return " checked" in found.group(0)


async def test_preferences_through_the_link(
    web: tuple[ServiceProcess, Path], intake_events: IntakeEvents
) -> None:
    service, _ = web
    _, token = await intake_events.inquiry_received("pages@example.no", signed=True)
    path = f"/pages/me/{token}/preferences"
    async with httpx.AsyncClient(base_url=service.url, timeout=10) as browser:
        page = await browser.get(path)
        assert page.status_code == 200, page.text
        assert checked(page.text, "email") and checked(page.text, "sms")
        assert "Tjenestemeldinger får du alltid" in page.text  # service messages stay on

        refused = await browser.post(path, data={"non_essential": "email"})
        assert refused.status_code == 403  # no CSRF token

        bad = await browser.post(path, data={"non_essential": "fax", "csrf": csrf_of(page.text)})
        assert bad.status_code == 422
        assert 'href="#field-non_essential"' in bad.text
        fieldset = re.search(r'<fieldset[^>]*id="field-non_essential"[^>]*>', bad.text)
        assert fieldset and 'aria-invalid="true"' in fieldset.group(0)

        saved = await browser.post(
            path, data={"non_essential": "email", "csrf": csrf_of(page.text)}
        )
        assert saved.status_code == 303
        assert saved.headers["location"] == f"{path}?saved=1"
        again = await browser.get(saved.headers["location"])
        assert "Valgene dine er lagret." in again.text
        assert checked(again.text, "email") and not checked(again.text, "sms")
        api = await browser.get(f"/v1/me/{token}/preferences")  # the same store as the API
        assert api.json()["non_essential"] == {"email": True, "sms": False}

        english = await browser.get(path, params={"lang": "en"})
        assert "Service messages always reach you" in english.text
        assert '<html lang="en">' in english.text

        invalid = await browser.get("/pages/me/not-a-token/preferences", params={"lang": "nb"})
        assert invalid.status_code == 404 and "Lenken er ugyldig" in invalid.text


def kept(folder: Path, to: str, text: str) -> Path:
    """A message in the development mailbox, as the development SMTP server keeps it."""
    message = EmailMessage()
    message["From"] = "Nordveggen <no-reply@hoppid.example>"
    message["To"] = to
    message["Subject"] = "Vi har fått henvendelsen din"
    message["Date"] = "Tue, 24 Nov 2026 13:05:00 +0000"
    message.set_content(text)
    return keep(folder, [to], message.as_bytes())


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_the_mailbox_page_for_a_signed_in_platform_admin_only(
    web: tuple[ServiceProcess, Path], intake_events: IntakeEvents
) -> None:
    service, folder = web
    stored = kept(folder, "ola@example.no", "Hei Ola,\n\nreferansen din er HOP-ÆØÅ1.\n")

    async with httpx.AsyncClient(base_url=service.url, timeout=10) as anonymous:
        home = await anonymous.get("/pages/staff")
        assert home.headers["location"] == "/pages/staff/mailbox"
        locked = await anonymous.get("/pages/staff/mailbox")
        assert locked.status_code == 303
        assert locked.headers["location"] == "/pages/sign-in?next=/pages/staff/mailbox"

    # an office's staff: the mailbox has every office's people in it, and no office to sort by
    office = await staff_key(intake_events, service.url)
    async with signed_in(service.url, office) as browser:
        for path in ("/pages/staff/mailbox", f"/pages/staff/mailbox/{stored.stem}"):
            refused = await browser.get(path)
            assert refused.status_code == 403, path
            assert "bare en plattformadministrator" in refused.text
            assert "ola@example.no" not in refused.text and "HOP-ÆØÅ1" not in refused.text

    async with signed_in(service.url, ADMIN_KEY) as browser:
        listed = await browser.get("/pages/staff/mailbox")
        assert listed.status_code == 200
        assert f'href="/pages/staff/mailbox/{stored.stem}"' in listed.text
        assert "24.11.2026 14:05" in listed.text  # Europe/Oslo
        one = await browser.get(f"/pages/staff/mailbox/{stored.stem}")
        assert one.status_code == 200 and "referansen din er HOP-ÆØÅ1." in one.text
        assert (await browser.get("/pages/staff/mailbox/nothing-here")).status_code == 404
        assert (await browser.get("/pages/staff/mailbox/..%2Fsecret")).status_code == 404


async def test_the_mailbox_api_answers_a_platform_admin_only(
    web: tuple[ServiceProcess, Path], intake_events: IntakeEvents
) -> None:
    service, folder = web
    stored = kept(folder, "kari@example.no", "Hei Kari,\n\nlenken din: /me/secret-token\n")
    office = await staff_key(intake_events, service.url)
    paths = ("/v1/dev/mailbox", f"/v1/dev/mailbox/{stored.stem}")
    async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:
        for path in paths:
            anonymous = await client.get(path)
            assert anonymous.status_code == 401, path
            assert anonymous.headers["content-type"].startswith(PROBLEM)
            assert anonymous.headers["www-authenticate"] == "Bearer"
            wrong = await client.get(path, headers=bearer("hk_0000.not-a-key"))
            assert wrong.status_code == 401 and wrong.headers["content-type"].startswith(PROBLEM)
            refused = await client.get(path, headers=bearer(office))  # an office's key
            assert refused.status_code == 403 and refused.headers["content-type"].startswith(
                PROBLEM
            )
            assert "only a platform admin" in refused.json()["detail"]
            assert "kari@example.no" not in refused.text and "secret-token" not in refused.text
        listed = await client.get(paths[0], headers=bearer(ADMIN_KEY))
        assert listed.status_code == 200
        assert [m["id"] for m in listed.json()] == [stored.stem]

    async with signed_in(service.url, office) as browser:  # an office's session: refused too
        assert (await browser.get(paths[1])).status_code == 403
    async with signed_in(service.url, ADMIN_KEY) as browser:  # the admin's session reads it
        one = await browser.get(paths[1])
        assert one.status_code == 200 and "secret-token" in one.json()["text"]


@pytest.mark.parametrize("web", [False], indirect=True)
async def test_the_mailbox_is_404_when_it_is_off(
    web: tuple[ServiceProcess, Path], intake_events: IntakeEvents
) -> None:
    service, _ = web
    key = await staff_key(intake_events, service.url)
    async with signed_in(service.url, key) as browser:
        off = await browser.get("/pages/staff/mailbox")
        assert off.status_code == 404 and "Vi fant ikke siden." in off.text
    async with signed_in(service.url, ADMIN_KEY) as browser:
        assert (await browser.get("/pages/staff/mailbox")).status_code == 404
        api = await browser.get("/v1/dev/mailbox", headers=bearer(ADMIN_KEY))
        assert api.status_code == 404 and api.headers["content-type"].startswith(PROBLEM)
