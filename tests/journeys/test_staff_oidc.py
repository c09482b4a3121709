"""Staff sign in as themselves through OpenID Connect (issue 14, first slice): a real provider
started by the project's script (scripts/oidc_provider.sh), intake and scheduling as their own
processes on the real Kafka and store. An office admin sets up an advisor's account; the advisor
signs in through the provider (authorization code + PKCE), lands on intake's staff pages as
their office, and the session opens scheduling's too; sign-out or a changed account ends it on
both at once. A sign-in whose state does not match, or of a person with no account, is refused.
A sign-in started from a deep link on either service comes back to it (path and query), and
sign-out goes on to the provider's end-session endpoint and back to the signed-out page."""

import base64
import html
import json
import re
import urllib.parse
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from intake_oidc_support import provider as oidc_provider
from platform_support import ADMIN_KEY, Mailbox, Platform, bearer, put_account
from test_journeys import inquiry
from test_staff_sessions import COOKIE, Browser, office_key

from hoppid.shared.oidc import verify_id_token
from hoppid.shared.testing import ServiceProcess, free_port

ADVISOR = {"sub": "ingrid.radgjevar", "email": "ingrid@nordveggen.example", "name": "Ingrid"}
STRANGER = {"sub": "no.account", "email": "someone@example.no", "name": "Someone"}


class OidcPlatform(Platform):
    """intake and scheduling, told where their pages are and which provider staff use."""

    def __init__(self, prefix: str, unique: str, issuer: str) -> None:
        super().__init__(prefix, unique, Mailbox(), free_port())
        self.issuer = issuer
        self.ports = {name: free_port() for name in ("intake", "scheduling")}

    def env(self, name: str) -> dict[str, str]:
        return {
            **super().env(name),
            "HOPPID_INTAKE_PUBLIC_URL": f"http://127.0.0.1:{self.ports['intake']}",
            "HOPPID_SCHEDULING_PUBLIC_URL": f"http://127.0.0.1:{self.ports['scheduling']}",
            "HOPPID_OIDC_ISSUER": self.issuer,
            "HOPPID_OIDC_CLIENT_SECRET": "journey-oidc-client-secret",
        }

    async def start(self, name: str) -> ServiceProcess:
        if name not in self.services:
            self.services[name] = ServiceProcess(name, self.env(name), port=self.ports[name])
        return await super().start(name)


@pytest.fixture
async def provider() -> AsyncIterator[str]:
    async with oidc_provider(ADVISOR, STRANGER) as issuer:
        yield issuer


@pytest.fixture
async def oidc_platform(
    provider: str, topic_prefix: str, unique: str, mongo: Any
) -> AsyncIterator[OidcPlatform]:
    platform = OidcPlatform(topic_prefix, unique, provider)
    try:
        for name in ("intake", "scheduling"):
            await platform.start(name)
        yield platform
    finally:
        await platform.stop_and_drop(mongo)


async def through_provider(
    browser: Browser, intake: str, sub: str, sign_in: str | None = None
) -> httpx.Response:
    """From a sign-in page (intake's by default) by its link through the provider (choosing
    ``sub`` on its form) back to intake's callback: the callback's answer."""
    page = await browser.get(sign_in or f"{intake}/pages/sign-in")
    link = re.search(r'href="([^"]*/pages/sign-in/oidc[^"]*)"', page.text)
    assert link, page.text
    start_url = html.unescape(link.group(1))
    assert start_url.startswith(f"{intake}/pages/sign-in/oidc?")
    start = await browser.get(start_url)
    assert start.status_code == 302
    authorize = start.headers["location"]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["redirect_uri"] == [f"{intake}/pages/sign-in/oidc/callback"]
    async with httpx.AsyncClient(timeout=10) as at_provider:  # the person signs in there
        chosen = await at_provider.post(authorize, data={"sub": sub})
    assert chosen.status_code == 302, chosen.text
    return await browser.get(chosen.headers["location"])


async def opens(platform: Any, cookie: str) -> dict[str, int]:
    pages = {"intake": "/pages/staff/cases", "scheduling": "/pages/staff/calendar"}
    found = {}
    async with httpx.AsyncClient(timeout=10) as copy:
        for service, path in pages.items():
            answer = await copy.get(
                f"{platform.url(service)}{path}", headers={"Cookie": f"{COOKIE}={cookie}"}
            )
            found[service] = answer.status_code
    return found


async def test_an_advisor_signs_in_through_the_provider_as_their_account(
    oidc_platform: OidcPlatform,
) -> None:
    intake = oidc_platform.url("intake")
    account = f"{intake}/v1/offices/nordveggen/accounts/{ADVISOR['sub']}"
    form = {"role": "advisor", "name": "Ingrid Rådgjevar", "advisor_id": "adv-ingrid"}
    async with httpx.AsyncClient(timeout=10) as api:
        made = await api.put(account, headers=bearer(ADMIN_KEY), json=form)
        assert made.status_code == 200, made.text
        bad = await api.put(account, headers=bearer(ADMIN_KEY), json={**form, "role": "boss"})
        assert bad.status_code == 422 and "role" in bad.text

    browser = Browser()
    back = await through_provider(browser, intake, ADVISOR["sub"])
    assert back.status_code == 303 and back.headers["location"] == "/pages/staff"
    cookie = browser.cookies[COOKIE]
    assert await opens(oidc_platform, cookie) == {"intake": 200, "scheduling": 200}
    cases = await browser.get(f"{intake}/pages/staff/cases")
    assert "Nordveggen" in cases.text or "nordveggen" in cases.text

    token = await browser.csrf_token(intake)
    out = await browser.post(f"{intake}/pages/sign-out", data={"csrf": token})
    assert out.status_code == 303  # on to the provider's end-session endpoint
    assert out.headers["location"].startswith(f"{oidc_platform.issuer}/oauth2/end_session?")
    assert await opens(oidc_platform, cookie) == {"intake": 303, "scheduling": 303}

    # a changed account signs in again, on every service at once
    again = Browser()
    await through_provider(again, intake, ADVISOR["sub"])
    second = again.cookies[COOKIE]
    assert await opens(oidc_platform, second) == {"intake": 200, "scheduling": 200}
    async with httpx.AsyncClient(timeout=10) as api:
        same = await api.put(account, headers=bearer(ADMIN_KEY), json=form)  # make run's seed
        assert same.status_code == 200
        assert await opens(oidc_platform, second) == {"intake": 200, "scheduling": 200}
        changed = await api.put(
            account, headers=bearer(ADMIN_KEY), json={**form, "role": "office_admin"}
        )
        assert changed.status_code == 200
    assert await opens(oidc_platform, second) == {"intake": 303, "scheduling": 303}


async def sign_in_from(browser: Browser, platform: OidcPlatform, service: str, deep: str) -> str:
    """Open ``deep`` on ``service`` signed out, follow its sign-in page through the provider:
    where intake's callback sends the browser."""
    base, intake = platform.url(service), platform.url("intake")
    asked = await browser.get(f"{base}{deep}")
    assert asked.status_code == 303 and asked.headers["location"].startswith("/pages/sign-in?")
    back = await through_provider(
        browser, intake, ADVISOR["sub"], f"{base}{asked.headers['location']}"
    )
    assert back.status_code == 303, back.text
    return back.headers["location"]


async def a_case(platform: OidcPlatform) -> tuple[str, str]:
    """A Rauma inquiry sent through intake's API: its case's id and reference."""
    body = inquiry(name="Kari Deeplink", email="kari.deeplink@example.no", language="nb")
    async with httpx.AsyncClient(timeout=10) as api:
        sent = await api.post(f"{platform.url('intake')}/v1/inquiries", json=body)
        assert sent.status_code == 201, sent.text
        key = await office_key(platform, api)
        found = await api.get(f"{platform.url('intake')}/v1/cases", headers=bearer(key))
        assert found.status_code == 200, found.text
    (case,) = [c for c in found.json() if c["reference"] == sent.json()["reference"]]
    return str(case["id"]), str(case["reference"])


def payload(token: str) -> dict[str, Any]:
    body = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))


async def test_a_deep_link_comes_back_after_the_provider_and_sign_out_ends_there_too(
    oidc_platform: OidcPlatform,
) -> None:
    intake, scheduling = oidc_platform.url("intake"), oidc_platform.url("scheduling")
    account = {"role": "advisor", "name": "Ingrid Rådgjevar", "advisor_id": "adv-ingrid"}
    await put_account(intake, ADVISOR["sub"], account)

    # a calendar with a query on scheduling: back on scheduling, at that address
    browser = Browser()
    calendar = "/pages/staff/calendar?done=held&view=week"
    assert await sign_in_from(browser, oidc_platform, "scheduling", calendar) == (
        f"{scheduling}{calendar}"
    )
    assert (await browser.get(f"{scheduling}{calendar}")).status_code == 200
    # the office's case list with its filters on intake: back there, a path of its own
    other = Browser()
    cases = "/pages/staff/cases?mine=0&status=new"
    assert await sign_in_from(other, oidc_platform, "intake", cases) == cases
    assert (await other.get(f"{intake}{cases}")).status_code == 200
    # a case's page (as a link in a notice would open it): back on that case
    case_id, reference = await a_case(oidc_platform)
    third = Browser()
    case_page = f"/pages/staff/cases/{case_id}?done=note"
    assert await sign_in_from(third, oidc_platform, "intake", case_page) == case_page
    opened = await third.get(f"{intake}{case_page}")
    assert opened.status_code == 200 and reference in opened.text

    # sign-out on scheduling: the session ends here, then at the provider, then back here
    cookie = browser.cookies[COOKIE]
    token = await browser.csrf_token(scheduling)
    out = await browser.post(f"{scheduling}/pages/sign-out", data={"csrf": token})
    assert out.status_code == 303 and COOKIE not in browser.cookies
    assert await opens(oidc_platform, cookie) == {"intake": 303, "scheduling": 303}
    async with httpx.AsyncClient(timeout=10) as at_provider:
        found = await at_provider.get(f"{oidc_platform.issuer}/.well-known/openid-configuration")
        end_session = found.json()["end_session_endpoint"]
        jwks = (await at_provider.get(found.json()["jwks_uri"])).json()
        to = urllib.parse.urlsplit(out.headers["location"])
        assert f"{to.scheme}://{to.netloc}{to.path}" == end_session
        query = urllib.parse.parse_qs(to.query)
        assert query["post_logout_redirect_uri"] == [f"{scheduling}/pages/signed-out"]
        assert query["client_id"] == ["hoppid"]
        # the hint is the provider's own ID token of this sign-in (kept server-side till now)
        hint = query["id_token_hint"][0]
        claims = payload(hint)
        issued = datetime.fromtimestamp(claims["iat"], UTC)
        verify_id_token(hint, jwks, oidc_platform.issuer, "hoppid", claims["nonce"], issued)
        assert claims["sub"] == ADVISOR["sub"]
        # the provider's confirmation form, then back to the signed-out page
        confirm_page = await at_provider.get(out.headers["location"])
        assert confirm_page.status_code == 200
        field = re.search(r'name="redirect_uri" value="([^"]*)"', confirm_page.text)
        assert field, confirm_page.text
        confirmed = await at_provider.post(
            f"{oidc_platform.issuer}/oauth2/end_session/confirm",
            data={"redirect_uri": html.unescape(field.group(1))},
        )
        assert confirmed.status_code == 302
        assert confirmed.headers["location"] == f"{scheduling}/pages/signed-out"
    signed_out = await browser.get(confirmed.headers["location"])
    assert signed_out.status_code == 200 and "Du er logget ut" in signed_out.text
    # the other browser's session is its own: still open until it signs out
    assert await opens(oidc_platform, other.cookies[COOKIE]) == {"intake": 200, "scheduling": 200}


async def test_a_sign_in_without_an_account_or_with_a_forged_state_is_refused(
    oidc_platform: OidcPlatform,
) -> None:
    intake = oidc_platform.url("intake")
    stranger = Browser()
    refused = await through_provider(stranger, intake, STRANGER["sub"])
    assert refused.status_code == 403
    assert COOKIE not in stranger.cookies

    forger = Browser()
    await forger.get(f"{intake}/pages/sign-in/oidc?next=/pages/staff/cases")
    forged = await forger.get(f"{intake}/pages/sign-in/oidc/callback?code=x&state=not-mine")
    assert forged.status_code == 400
    assert COOKIE not in forger.cookies


async def test_make_run_starts_the_provider_and_prints_demo_accounts(running: Any) -> None:
    """`make run` starts the provider (scripts/oidc_provider.sh) and prints an advisor's and an
    office admin's account per office; the advisor's signs in and opens the staff pages."""
    assert "demo staff accounts" in running.output
    assert "advisor.nordveggen" in running.output and "admin.nordveggen" in running.output
    browser = Browser()
    back = await through_provider(browser, running.url("intake"), "advisor.nordveggen")
    assert back.status_code == 303, back.text
    assert await opens(running, browser.cookies[COOKIE]) == {"intake": 200, "scheduling": 200}
