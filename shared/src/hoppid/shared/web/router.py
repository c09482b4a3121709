"""What every service's pages share: the style sheet, the accessibility statement, staff
sign-in and sign-out, and the answer to a form whose CSRF token is wrong."""

from __future__ import annotations

import logging

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from hoppid.shared import oidc
from hoppid.shared.access import KeyRing, Staff, hash_key
from hoppid.shared.problems import handled
from hoppid.shared.web.csrf import CsrfError
from hoppid.shared.web.pages import HERE, PageAnswer, Pages
from hoppid.shared.web.returns import safe_next

__all__ = ["install_pages", "safe_next", "shared_pages_router"]

log = logging.getLogger("hoppid.shared.web")
STYLE = (HERE / "static" / "hoppid.css").read_bytes()
SIGNED_OUT = "/pages/signed-out"


def shared_pages_router(pages: Pages) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/static/hoppid.css")
    async def style() -> Response:
        return Response(
            STYLE, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"}
        )

    @router.get("/pages/accessibility", response_class=HTMLResponse)
    async def accessibility(request: Request) -> HTMLResponse:
        return pages.render(request, "accessibility.html")

    @router.get("/pages/sign-in", response_class=HTMLResponse)
    async def sign_in_form(request: Request) -> HTMLResponse:
        target = safe_next(request.query_params.get("next"))
        return pages.render(request, "sign_in.html", next=target, oidc=pages.oidc_link(target))

    @router.get("/pages/signed-out", response_class=HTMLResponse)
    async def signed_out(request: Request) -> HTMLResponse:
        return pages.render(request, "signed_out.html")

    @router.post("/pages/sign-in", response_model=None)
    async def sign_in(request: Request) -> Response:
        form = await pages.form(request)
        key = str(form.get("key") or "").strip()
        target = safe_next(form.get("next"))
        ring = pages.key_ring
        staff = None
        if key and ring is not None:
            client = ring.failures.client_address(request)
            try:
                ring.failures.check(client)
            except HTTPException as refused:
                errors = {"key": "sign_in_too_many"}
                page = pages.render(
                    request,
                    "sign_in.html",
                    status=refused.status_code,
                    next=target,
                    errors=errors,
                    oidc=pages.oidc_link(target),
                )
                page.headers.update(refused.headers or {})
                return page
            staff = await _authenticate(ring, key)
            if staff is None:
                ring.failures.failed(client)
        if staff is None:
            errors = {"key": "sign_in_wrong_key"} if key else {"key": "sign_in_key_missing"}
            return pages.render(
                request,
                "sign_in.html",
                status=401,
                next=target,
                errors=errors,
                oidc=pages.oidc_link(target),
            )
        response = pages.redirect(target)
        await pages.start_session(response, staff, hash_key(key))
        return response

    @router.post("/pages/sign-out", response_model=None)
    async def sign_out(request: Request) -> Response:
        await pages.form(request)
        response = pages.redirect(SIGNED_OUT)
        id_token = await pages.end_session(request, response)
        at_provider = await _provider_sign_out(pages, request, id_token)
        if at_provider is not None:  # on to the provider, which sends the browser back here
            response.headers["location"] = at_provider
        return response

    return router


async def _provider_sign_out(pages: Pages, request: Request, id_token: str) -> str | None:
    """The provider's end-session address for a session signed in through it, coming back to
    this service's signed-out page; None (our signed-out page at once) for a key's session, a
    provider without RP-initiated logout, or one that does not answer: the session here has
    ended all the same."""
    if not id_token or not pages.oidc_issuer:
        return None
    try:
        provider = await oidc.discover(pages.oidc_issuer)
    except oidc.OidcError as error:
        log.warning("sign-out: the provider's session was not ended: %s", error)
        return None
    back = f"{pages.own_url(request)}{SIGNED_OUT}"
    lang = pages.language(request)
    return oidc.end_session_url(provider, pages.oidc_client_id, id_token, back, lang)


async def _authenticate(ring: KeyRing, key: str) -> Staff | None:
    try:
        return await ring.authenticate(f"Bearer {key}")
    except HTTPException:
        return None


def install_pages(app: FastAPI, pages: Pages) -> None:
    """The shared routes, the 403 page for a failed CSRF check, and any PageAnswer."""
    app.include_router(shared_pages_router(pages))

    async def answer_instead(request: Request, error: Exception) -> Response:
        return handled(error, PageAnswer).response

    app.add_exception_handler(PageAnswer, answer_instead)

    async def csrf_failed(request: Request, error: Exception) -> HTMLResponse:
        return pages.render(request, "error.html", status=403, message_key="csrf_failed")

    app.add_exception_handler(CsrfError, csrf_failed)
