"""The public inquiry form and its receipt: plain HTML, works without JavaScript.

A hidden one-time submission id stands in for the API's Idempotency-Key: a double click or a
resent form is the same claim in ``submit_inquiry``, so it makes one case.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from hoppid.intake.context import Context
from hoppid.intake.inquiries import forms, use_cases
from hoppid.intake.model import CONSENT_TEXT_VERSION, CONSENT_TEXTS
from hoppid.intake.web.common import Errors, problem_errors, text, validation_errors
from hoppid.shared.guards import RateLimit
from hoppid.shared.problems import FieldProblem
from hoppid.shared.web import Pages

SUBMISSION = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
TEXT_FIELDS = ("name", "email", "phone", "municipality", "idea", "stage", "language")
CHECKBOXES = ("consent_processing", "consent_newsletter", "share_company_with_partners")
EMPTY: dict[str, Any] = {
    **dict.fromkeys(TEXT_FIELDS, ""),
    "meeting_mode": "",
    "needs": [],
    **dict.fromkeys(CHECKBOXES, False),
}


def inquiry_data(form: FormData) -> dict[str, Any]:
    """The posted form as the JSON API's body (absent or empty fields left out: 'missing')."""
    data: dict[str, Any] = {name: text(form, name) for name in TEXT_FIELDS}
    data["meeting_mode"] = text(form, "meeting_mode")
    data["needs"] = [v for v in form.getlist("needs") if isinstance(v, str)]
    data.update({name: form.get(name) == "true" for name in CHECKBOXES})
    data["consent_text_version"] = text(form, "consent_text_version")
    return {k: v for k, v in data.items() if v is not None and v != []}


def router(
    pages: Pages, ctx: Context, limit: RateLimit, municipalities: dict[str, str]
) -> APIRouter:
    routes = APIRouter(include_in_schema=False)
    choices = sorted(municipalities.items(), key=lambda item: item[1])

    def show(
        request: Request, values: dict[str, Any], submission: str, errors: Errors
    ) -> HTMLResponse:
        lang = pages.language(request)
        return pages.render(
            request,
            "inquiry.html",
            status=422 if errors else 200,
            errors=errors,
            values={**EMPTY, "language": lang, **values},
            municipalities=[(n, f"{name} ({n})") for n, name in choices],
            consent_text=CONSENT_TEXTS[lang],
            consent_version=CONSENT_TEXT_VERSION,
            submission=submission,
        )

    @routes.get("/pages/inquiry", response_class=HTMLResponse)
    async def inquiry_form(request: Request) -> HTMLResponse:
        chosen = request.query_params.get("municipality", "")
        values = {"municipality": chosen if chosen in municipalities else ""}
        return show(request, values, secrets.token_urlsafe(18), {})

    @routes.post("/pages/inquiry", response_model=None)
    async def send(request: Request) -> Response:
        form = await pages.form(request)
        submission = text(form, "submission") or ""
        if not SUBMISSION.match(submission):
            submission = secrets.token_urlsafe(18)  # a tampered id: a fresh one, never reused
        data = inquiry_data(form)
        try:
            parsed = forms.InquiryForm.model_validate(data)
            limit.check_request(request)
            case, _ = await use_cases.submit_inquiry(ctx, parsed, f"page:{submission}")
        except ValidationError as error:
            return show(request, data, submission, validation_errors(error))
        except FieldProblem as problem:
            return show(request, data, submission, problem_errors(problem))
        except HTTPException as refused:  # the rate limit
            return pages.render(
                request, "error.html", status=refused.status_code, message_key="too_many"
            )
        return pages.redirect(f"/pages/inquiry/sent?office={case['office_id']}")

    @routes.get("/pages/inquiry/sent", response_class=HTMLResponse)
    async def sent(request: Request) -> HTMLResponse:
        office = await ctx.store.recent_office(request.query_params.get("office", ""))
        return pages.render(request, "inquiry_sent.html", office=office)

    return routes
