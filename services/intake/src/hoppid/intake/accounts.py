"""Staff accounts (issue 14, first slice): a person signs in as themselves through the
platform's OpenID Connect provider (authorization code + PKCE), and intake maps the provider's
subject to an account of an office: its role and, for an advisor, their advisor record in
scheduling. An office admin (or the platform admin) sets accounts up by API; the session the
sign-in starts names the account, and every service reads it from the shared sessions store
(``hoppid.shared.staff_sessions``), so it works on all four and sign-out ends it on all four.
Changing or removing an account ends its sessions at once. The office admin's pages
(``hoppid.intake.office_admin``) call the same use cases, ``save_account`` and ``remove_account``.
"""

import logging
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pymongo.asynchronous.database import AsyncDatabase

from hoppid.intake.accounts_store import ACCOUNTS as ACCOUNTS  # the collection, as others name it
from hoppid.intake.accounts_store import INDEXES as INDEXES
from hoppid.intake.accounts_store import AccountStore
from hoppid.intake.settings import IntakeSettings
from hoppid.shared import oidc
from hoppid.shared.access import Staff
from hoppid.shared.clock import real_now
from hoppid.shared.problems import FieldProblem, NotFound
from hoppid.shared.staff_sessions import StaffSessions
from hoppid.shared.web import Pages

log = logging.getLogger("hoppid.intake.accounts")
Subject = Annotated[
    str, Path(min_length=1, max_length=255, description="The provider's subject (`sub`)")
]


class AccountForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    role: Literal["advisor", "office_admin"]
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    advisor_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = Field(
        None, description="The advisor's record in scheduling (an advisor's account)"
    )


def account_key(subject: str) -> str:
    """How a session names an account: apart from every API key id."""
    return f"account:{subject}"


async def office_advisors(
    database: AsyncDatabase[dict[str, Any]], office_id: str
) -> dict[str, str]:
    """The office's advisor accounts that name their advisor record: advisor_id → name, by
    name. Only the office's own: another office's advisor is never offered nor accepted."""
    return await AccountStore(database).office_advisors(office_id)


async def save_account(
    database: AsyncDatabase[dict[str, Any]],
    sessions: StaffSessions | None,
    caller: Staff,
    office_id: str,
    subject: str,
    form: AccountForm,
    *,
    new: bool | None = None,
) -> None:
    """Set up or change an account of the office (its admin's, or the platform admin's).
    ``new``: None sets it whatever was there (the API's PUT); True refuses a subject that has
    an account already, in any office (the page's "add"); False changes only an account of
    this office (NotFound otherwise: the page's "change"). A changed account signs in again."""
    if not caller.may_administer(office_id):
        raise PermissionError("only the office's admin sets up its staff accounts")
    accounts = AccountStore(database)
    account = {"office_id": office_id, **form.model_dump(), "changed_at": real_now()}
    current = await accounts.account(subject)
    if new:  # taken here or in another office: the same answer, which office is not told
        if current is None and await accounts.add(subject, account):
            return
        raise FieldProblem("subject", "an account with this subject exists already")
    if new is False:  # another office's account is not found, as one that is not there
        if not await accounts.change_in_office(subject, office_id, account):
            raise NotFound("no such account in this office")
    else:
        if current is not None and not caller.may_administer(current["office_id"]):
            raise PermissionError("the account belongs to another office")
        await accounts.put(subject, account)
    unchanged = current is not None and all(
        current.get(k) == account[k] for k in ("office_id", "role", "name", "advisor_id")
    )
    if sessions is not None and not unchanged:  # a changed account signs in again
        await sessions.end_all_of(account_key(subject))


async def remove_account(
    database: AsyncDatabase[dict[str, Any]],
    sessions: StaffSessions | None,
    caller: Staff,
    office_id: str,
    subject: str,
) -> None:
    """Remove an account of the office; its sessions end at once on every service."""
    if not caller.may_administer(office_id):
        raise PermissionError("only the office's admin removes its staff accounts")
    if not await AccountStore(database).remove_in_office(subject, office_id):
        raise NotFound("no such account in this office")
    if sessions is not None:
        await sessions.end_all_of(account_key(subject))


def api_router(
    database: AsyncDatabase[dict[str, Any]],
    sessions: StaffSessions | None,
    staff_dep: Callable[..., Any],
) -> APIRouter:
    router = APIRouter(prefix="/v1/offices", tags=["office administration"])
    Caller = Annotated[Staff, Depends(staff_dep)]

    @router.put("/{office_id}/accounts/{subject}", summary="Set up a staff account (its admin)")
    async def put_account(
        caller: Caller, office_id: str, subject: Subject, form: AccountForm
    ) -> dict[str, Any]:
        await save_account(database, sessions, caller, office_id, subject, form)
        return {"subject": subject, "office_id": office_id, **form.model_dump()}

    @router.delete(
        "/{office_id}/accounts/{subject}", status_code=204, summary="Remove a staff account"
    )
    async def delete_account(caller: Caller, office_id: str, subject: Subject) -> Response:
        await remove_account(database, sessions, caller, office_id, subject)
        return Response(status_code=204)

    return router


def pages_router(
    pages: Pages, database: AsyncDatabase[dict[str, Any]], settings: IntakeSettings
) -> APIRouter:
    """Sign-in through the provider: start (to the provider) and callback (back from it, on
    to the page the sign-in was asked for, on the service that asked: Pages.return_url)."""
    router = APIRouter(include_in_schema=False)
    accounts = AccountStore(database)
    redirect_uri = f"{pages.urls.intake}/pages/sign-in/oidc/callback"
    client_id = settings.oidc_client_id
    client_secret = settings.oidc_client_secret.get_secret_value()

    def refused(request: Request, status: int, message_key: str) -> Response:
        page = pages.render(request, "error.html", status=status, message_key=message_key)
        page.delete_cookie(oidc.STATE_COOKIE, path="/pages/sign-in/oidc")
        return page

    @router.get("/pages/sign-in/oidc", response_model=None)
    async def start(request: Request) -> Response:
        if not settings.oidc_issuer:
            return refused(request, 404, "not_found")
        try:
            provider = await oidc.discover(settings.oidc_issuer)
        except oidc.OidcError as error:
            log.warning("OpenID Connect provider unavailable: %s", error)
            return refused(request, 503, "sign_in_oidc_unavailable")
        attempt = pages.oidc_attempt(request)  # the page to return to, checked
        response = pages.redirect(
            oidc.authorization_url(provider, client_id, redirect_uri, attempt)
        )
        response.status_code = 302  # a GET leading to a GET
        value = oidc.sign_attempt(pages.secret, attempt, real_now())
        response.set_cookie(
            oidc.STATE_COOKIE,
            value,
            max_age=oidc.STATE_SECONDS,
            path="/pages/sign-in/oidc",
            httponly=True,
            secure=pages.secure_cookies,
            samesite="lax",  # the provider's redirect back is a top-level GET: it is sent
        )
        return response

    @router.get("/pages/sign-in/oidc/callback", response_model=None)
    async def callback(request: Request) -> Response:
        now = real_now()
        attempt = oidc.read_attempt(pages.secret, request.cookies.get(oidc.STATE_COOKIE), now)
        state, code = request.query_params.get("state"), request.query_params.get("code")
        if attempt is None or not state or state != attempt.state or not code:
            return refused(request, 400, "sign_in_oidc_failed")
        try:
            provider = await oidc.discover(settings.oidc_issuer)
            signed = await oidc.signed_in_claims(
                provider, client_id, client_secret, redirect_uri, code, attempt, now
            )
        except oidc.OidcError as error:
            log.warning("OpenID Connect sign-in refused: %s", error)
            return refused(request, 400, "sign_in_oidc_failed")
        claims = signed.claims
        account = await accounts.account(claims["sub"])
        if account is None:
            return refused(request, 403, "sign_in_no_account")
        staff = Staff(
            account_key(claims["sub"]),
            account["office_id"],
            account["role"],
            account.get("advisor_id"),
        )
        response = pages.redirect(pages.return_url(attempt))
        # the ID token stays with the session (server-side) for the provider's sign-out
        await pages.start_account_session(response, staff, signed.id_token)
        response.delete_cookie(oidc.STATE_COOKIE, path="/pages/sign-in/oidc")
        return response

    return router
