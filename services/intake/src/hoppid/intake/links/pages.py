"""A new link by email: the form asks for the address and always answers the same way.

The same handler as ``POST /v1/links``: the address is recorded and the answer given at once;
whether it is known is found out afterwards, in the background, and the link goes by email to
the address intake holds (see hoppid.intake.links.issuing).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from hoppid.intake.context import Context
from hoppid.intake.links import forms, use_cases
from hoppid.intake.links.limits import LinkLimits
from hoppid.intake.web.common import Errors, text, validation_errors
from hoppid.shared.web import Pages


def router(pages: Pages, ctx: Context, limits: LinkLimits) -> APIRouter:
    routes = APIRouter(prefix="/pages/link", include_in_schema=False)

    def show(request: Request, email: str, errors: Errors) -> HTMLResponse:
        status = 422 if errors else 200
        return pages.render(
            request, "link.html", status=status, errors=errors, email=email, days=ctx.link_days
        )

    @routes.get("", response_class=HTMLResponse)
    async def form(request: Request) -> HTMLResponse:
        return show(request, "", {})

    @routes.post("", response_model=None)
    async def send(request: Request) -> Response:
        posted = await pages.form(request)
        email = text(posted, "email") or ""
        try:
            parsed = forms.LinkRequest.model_validate(
                {"email": email, "language": pages.language(request)}
            )
            limits.check(request, str(parsed.email))
        except ValidationError as error:
            return show(request, email, validation_errors(error))
        except HTTPException as refused:  # a rate limit
            return pages.render(
                request, "error.html", status=refused.status_code, message_key="link_too_many"
            )
        await use_cases.request_link(ctx, str(parsed.email))
        return pages.redirect("/pages/link/sent")

    @routes.get("/sent", response_class=HTMLResponse)
    async def sent(request: Request) -> HTMLResponse:
        return pages.render(request, "link_sent.html", days=ctx.link_days)

    return routes
