"""Rendering a page: templates (the service's own first, then the shared ones), the chosen
language, the CSRF cookie and the headers every page carries."""

from __future__ import annotations

import hmac
import urllib.parse
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, cast, get_args

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.datastructures import FormData

from hoppid.shared import oidc
from hoppid.shared.access import KeyRing, Role, Staff
from hoppid.shared.clock import real_now
from hoppid.shared.settings import ServiceSettings
from hoppid.shared.staff_sessions import SessionRecord, StaffSessions, new_session_id
from hoppid.shared.web import csrf, returns, session
from hoppid.shared.web.i18n import LANGUAGE_NAMES, LANGUAGES, Texts, choose_language

HERE = Path(__file__).parent
HIDDEN_FIELD = Markup('<input type="hidden" name="{}" value="{}">')  # .format escapes
LANGUAGE_COOKIE = "hoppid_lang"
# pages may show personal data: never cached, never framed, and the opaque link token in the
# path must not leak to other sites through the Referer header
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}


class PageAnswer(Exception):
    """The page that answers a request instead of its route: a sign-in or a link that does not
    hold, a refusal, a record that is not there. install_pages renders it, so a route can ask
    "who is this?" in one line and read as its own job only."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


@dataclass(frozen=True)
class SiblingUrls:
    """Where people reach each service's pages (links between them)."""

    intake: str
    scheduling: str
    notifications: str
    reporting: str

    @classmethod
    def of(cls, settings: ServiceSettings) -> SiblingUrls:
        return cls(
            settings.intake_public_url.rstrip("/"),
            settings.scheduling_public_url.rstrip("/"),
            settings.notifications_public_url.rstrip("/"),
            settings.reporting_public_url.rstrip("/"),
        )

    def of_service(self, service: str) -> str:
        """The public address of one of the four services by name ("" for another name)."""
        return str(getattr(self, service)) if service in returns.SERVICES else ""


class Pages:
    """One service's pages: ``render`` a template, read a checked ``form``, find the ``staff``."""

    def __init__(
        self,
        settings: ServiceSettings,
        service_web_folder: Path | None = None,
        key_ring: KeyRing | None = None,
        service: str = "",
    ) -> None:
        own = [service_web_folder] if service_web_folder else []
        self.environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(f / "templates") for f in [*own, HERE]]),
            autoescape=True,
            undefined=jinja2.StrictUndefined,  # a misspelt name fails the test, not the reader
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.texts = Texts([HERE / "texts", *(f / "texts" for f in own)])
        self.urls = SiblingUrls.of(settings)
        self.key_ring = key_ring
        self.secret = settings.link_secret.get_secret_value()
        self.secure_cookies = settings.cookie_secure
        self.session_hours = settings.staff_session_hours
        # which of the four this is: where a sign-in through intake comes back to
        self.service = returns.safe_service(service) or _service_of(settings)
        # staff accounts sign in through OpenID Connect at intake (None: keys only)
        self.oidc_sign_in = (
            f"{self.urls.intake}/pages/sign-in/oidc" if settings.oidc_issuer else None
        )
        self.oidc_issuer = settings.oidc_issuer
        self.oidc_client_id = settings.oidc_client_id

    def language(self, request: Request) -> str:
        return choose_language(
            request.query_params.get("lang"),
            request.cookies.get(LANGUAGE_COOKIE),
            request.headers.get("accept-language"),
        )

    def render(
        self, request: Request, template: str, status: int = 200, **context: Any
    ) -> HTMLResponse:
        lang = self.language(request)
        csrf_cookie = request.cookies.get(csrf.COOKIE) or csrf.new_cookie_value()
        token = csrf.form_token(self.secret, csrf_cookie)
        html = self.environment.get_template(template).render(
            t=self.texts.translator(lang),
            lang=lang,
            languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
            urls=self.urls,
            path=request.url.path,
            csrf_field=HIDDEN_FIELD.format(csrf.FIELD, token),
            staff=context.pop("staff", None),
            errors=context.pop("errors", {}),
            **context,
        )
        response = HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)
        if request.cookies.get(csrf.COOKIE) != csrf_cookie:
            self._cookie(response, csrf.COOKIE, csrf_cookie, None)
        if request.query_params.get("lang") in LANGUAGES:
            self._cookie(response, LANGUAGE_COOKIE, lang, 365 * 24 * 3600)
        return response

    async def form(self, request: Request) -> FormData:
        """The posted form, after its CSRF token is checked (raises CsrfError: a 403 page)."""
        form = await request.form()
        given = form.get(csrf.FIELD)
        csrf.check(
            self.secret, request.cookies.get(csrf.COOKIE), given if isinstance(given, str) else None
        )
        return form

    async def staff(self, request: Request) -> Staff | None:
        """The signed-in staff member of this browser: the cookie's signature and expiry hold,
        its session is live in the shared store (not signed out, not idle too long), and the
        key it was made with is still valid here."""
        now = real_now()
        session_id = session.read_session(self.secret, request.cookies.get(session.COOKIE), now)
        sessions = self.key_ring.sessions if self.key_ring is not None else None
        if session_id is None or sessions is None or self.key_ring is None:
            return None
        record = await sessions.find(session_id, now)
        if record is None:
            return None
        if record.is_account:  # OpenID Connect: as the signing-in service mapped the account
            return Staff(record.key_id, record.office_id, _role(record.role), record.advisor_id)
        secret = self.secret
        return await self.key_ring.matching(
            record.key_id,
            lambda key_hash: hmac.compare_digest(session.key_mac(secret, key_hash), record.key_mac),
        )

    async def signed_in(self, request: Request) -> Staff:
        """The signed-in staff member; PageAnswer with the sign-in page otherwise."""
        staff = await self.staff(request)
        if staff is None:
            raise PageAnswer(self.sign_in_redirect(request))
        return staff

    def sign_in_redirect(self, request: Request) -> RedirectResponse:
        """To the sign-in page, which comes back to the page asked for (path and query). A
        form post whose session ended is not asked for again (its address may answer only
        posts): that sign-in lands on the staff start page."""
        if request.method not in ("GET", "HEAD"):
            return self.redirect(returns.sign_in_path(None))
        asked = returns.asked_for(request.url.path, request.url.query)
        return self.redirect(returns.sign_in_path(asked))

    def oidc_link(self, next_path: str) -> str | None:
        """The sign-in through the provider (at intake) that comes back to ``next_path`` on
        this service; None when staff sign in with keys only."""
        if self.oidc_sign_in is None:
            return None
        if not self.service:  # a page of no known service: intake's start page
            return self.oidc_sign_in
        query = {"next": returns.safe_next(next_path), "service": self.service}
        return f"{self.oidc_sign_in}?{urllib.parse.urlencode(query, safe='/')}"

    def oidc_attempt(self, request: Request) -> oidc.Attempt:
        """A new sign-in through the provider for the page the sign-in link names."""
        query = request.query_params
        service = returns.safe_service(query.get("service"))
        return oidc.Attempt.new(returns.safe_next(query.get("next")), service)

    def return_url(self, attempt: oidc.Attempt) -> str:
        """Where a sign-in through the provider lands: its page, on its service's configured
        address when that is a sibling (the path checked again: never another site)."""
        path = returns.safe_next(attempt.next)
        service = returns.safe_service(attempt.service)
        if not service or service == self.service:
            return path
        return f"{self.urls.of_service(service)}{path}"

    def own_url(self, request: Request) -> str:
        """This service's public address (the request's own for a page of no known service)."""
        return self.urls.of_service(self.service) or str(request.base_url).rstrip("/")

    async def start_session(self, response: Response, staff: Staff, key_hash: str) -> None:
        """A new session in the shared store for the key just checked, its id in the cookie."""
        sessions = self.key_ring.sessions if self.key_ring is not None else None
        if sessions is None:
            raise RuntimeError("staff sign-in needs the key ring's session store")
        record = SessionRecord(staff.key_id, session.key_mac(self.secret, key_hash))
        await self._start(sessions, response, record)

    async def start_account_session(
        self, response: Response, staff: Staff, id_token: str = ""
    ) -> None:
        """A new session for a staff account signed in through OpenID Connect, keeping the
        provider's ID token with it (server-side, sealed) for the provider's sign-out."""
        sessions = self.key_ring.sessions if self.key_ring is not None else None
        if sessions is None:
            raise RuntimeError("staff sign-in needs the key ring's session store")
        record = SessionRecord(staff.key_id, "", staff.office_id, staff.role, staff.advisor_id)
        await self._start(sessions, response, record, id_token)

    async def _start(
        self,
        sessions: StaffSessions,
        response: Response,
        record: SessionRecord,
        id_token: str = "",
    ) -> None:
        now, session_id = real_now(), new_session_id()
        expires_at = now + timedelta(hours=self.session_hours)
        await sessions.start(session_id, record, now, expires_at, id_token)
        value = session.sign_session(self.secret, session_id, now, self.session_hours)
        self._cookie(response, session.COOKIE, value, self.session_hours * 3600)

    async def end_session(self, request: Request, response: Response) -> str:
        """Sign-out: the session ends in the shared store (every service refuses the cookie
        and any copy of it from now on) and the browser forgets the cookie. The provider's
        ID token of a session signed in through it comes back ("" otherwise)."""
        sessions = self.key_ring.sessions if self.key_ring is not None else None
        session_id = session.read_session(
            self.secret, request.cookies.get(session.COOKIE), real_now()
        )
        id_token = ""
        if session_id is not None and sessions is not None:
            id_token = await sessions.end(session_id)
        response.delete_cookie(session.COOKIE, path="/")
        return id_token

    @staticmethod
    def redirect(url: str) -> RedirectResponse:
        """After a form post: 303 See Other, so a reload does not post again."""
        return RedirectResponse(url, status_code=303, headers=PAGE_HEADERS)

    def _cookie(self, response: Response, name: str, value: str, max_age: int | None) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            httponly=True,
            secure=self.secure_cookies,
            samesite="lax",
        )


def _service_of(settings: ServiceSettings) -> str:
    """The service whose settings these are (``hoppid.<service>.settings``), "" for none of
    the four (a test's own app on the shared settings)."""
    parts = type(settings).__module__.split(".")
    return next((part for part in parts if part in returns.SERVICES), "")


def _role(value: str) -> Role:
    if value not in get_args(Role):
        raise ValueError(f"not a staff role: {value!r}")
    return cast(Role, value)
