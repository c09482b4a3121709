"""The person's own case by their signed link: status, data, export, correction, consent
withdrawal and erasure (each with a confirm step). The same use cases as ``/v1/me``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError

from hoppid.intake.audit import trail
from hoppid.intake.context import Context
from hoppid.intake.exports import EXPORT_HEADERS, export_body
from hoppid.intake.people import forms, use_cases
from hoppid.intake.web.common import Errors, problem_errors, text, validation_errors
from hoppid.shared.problems import FieldProblem, NotFound
from hoppid.shared.web import Pages

DONE = ("corrected", "withdrawn")


def router(pages: Pages, ctx: Context) -> APIRouter:
    routes = APIRouter(prefix="/pages/me", include_in_schema=False)

    def invalid(request: Request) -> HTMLResponse:
        return pages.render(request, "me_invalid.html", status=404)

    async def overview(
        request: Request,
        token: str,
        person_id: str,
        errors: Errors | None = None,
        values: dict[str, Any] | None = None,
    ) -> HTMLResponse:
        try:
            data = await use_cases.my_data(ctx, person_id)
        except NotFound:
            return invalid(request)
        person = data["person"]
        offices = {c["office_id"]: await ctx.store.office(c["office_id"]) for c in data["cases"]}
        done = request.query_params.get("done")
        consents = person.get("consents") or {}
        processing = consents.get("processing") or {}
        return pages.render(
            request,
            "me.html",
            status=422 if errors else 200,
            errors=errors or {},
            token=token,
            person=person,
            cases=data["cases"],
            offices=offices,
            values=values or {k: person.get(k) or "" for k in ("name", "phone", "language")},
            done=done if done in DONE else None,
            consent_given=None if processing.get("withdrawn_at") else processing.get("given_at"),
            newsletter=bool(consents.get("newsletter")),
        )

    @routes.get("/erased", response_class=HTMLResponse)
    async def erased(request: Request) -> HTMLResponse:
        return pages.render(request, "me_erased.html")

    @routes.get("/{token}", response_class=HTMLResponse)
    async def my_case(request: Request, token: str) -> HTMLResponse:
        person_id = await use_cases.person_of_link(ctx, token)
        if person_id is None:
            return invalid(request)
        return await overview(request, token, person_id)

    @routes.get("/{token}/export", response_model=None)
    async def export(request: Request, token: str) -> Response:
        person_id = await use_cases.person_of_link(ctx, token)
        if person_id is None:
            return invalid(request)
        try:
            data = await use_cases.my_data(ctx, person_id)
        except NotFound:
            return invalid(request)
        await trail.person_act(ctx, person_id, "export", trail.the_person(person_id), "link")
        return JSONResponse(
            export_body(data), headers={**EXPORT_HEADERS, "Cache-Control": "no-store"}
        )

    @routes.post("/{token}/correct", response_model=None)
    async def correct(request: Request, token: str) -> Response:
        form = await pages.form(request)
        person_id = await use_cases.person_of_link(ctx, token)
        if person_id is None:
            return invalid(request)
        values = {k: text(form, k) for k in ("name", "phone", "language")}
        try:
            correction = forms.Correction.model_validate(values)
            await use_cases.correct_my_data(ctx, person_id, correction)
        except ValidationError as error:
            return await overview(request, token, person_id, validation_errors(error), values)
        except FieldProblem as problem:
            return await overview(request, token, person_id, problem_errors(problem), values)
        return pages.redirect(f"/pages/me/{token}?done=corrected")

    @routes.get("/{token}/withdraw", response_class=HTMLResponse)
    async def confirm_withdrawal(request: Request, token: str) -> HTMLResponse:
        person_id = await use_cases.person_of_link(ctx, token)
        if person_id is None:
            return invalid(request)
        try:
            query = {"consent": request.query_params.get("consent")}
            chosen = forms.WithdrawConsent.model_validate(query)
        except ValidationError:
            return await overview(request, token, person_id, {"consent": "error_consent"})
        return pages.render(request, "me_withdraw.html", token=token, consent=chosen.consent)

    @routes.post("/{token}/withdraw", response_model=None)
    async def withdraw(request: Request, token: str) -> Response:
        form = await pages.form(request)
        person_id = await use_cases.person_of_link(ctx, token)
        if person_id is None:
            return invalid(request)
        try:
            chosen = forms.WithdrawConsent.model_validate({"consent": text(form, "consent")})
        except ValidationError:
            return await overview(request, token, person_id, {"consent": "error_consent"})
        if await use_cases.withdraw_consent(ctx, person_id, chosen) is None:
            return pages.redirect("/pages/me/erased")  # processing: an erasure
        return pages.redirect(f"/pages/me/{token}?done=withdrawn")

    @routes.get("/{token}/erase", response_class=HTMLResponse)
    async def confirm_erasure(request: Request, token: str) -> HTMLResponse:
        if await use_cases.person_of_link(ctx, token) is None:
            return invalid(request)
        return pages.render(request, "me_erase.html", token=token)

    @routes.post("/{token}/erase", response_model=None)
    async def erase(request: Request, token: str) -> Response:
        await pages.form(request)
        person_id = await use_cases.person_of_link(ctx, token)
        if person_id is None:
            return invalid(request)
        await use_cases.request_erasure(ctx, person_id)
        return pages.redirect("/pages/me/erased")

    return routes
