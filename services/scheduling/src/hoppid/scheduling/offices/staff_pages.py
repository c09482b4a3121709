"""The office's scheduling settings for its office admins: opening hours, closed days, meeting
lengths, the buffer and notice, the video room; the same use case as the JSON API
(``offices.use_cases.save_office_settings``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from hoppid.scheduling.model import RuleViolation
from hoppid.scheduling.offices import page_form, use_cases
from hoppid.scheduling.web.common import notice, office_admin
from hoppid.shared.access import Staff

if TYPE_CHECKING:
    from hoppid.scheduling.web.routes import Site

PAGE = "/pages/staff/office"


def router(site: Site) -> APIRouter:
    pages = site.pages
    ctx = site.ctx
    router = APIRouter(prefix="/pages/staff", include_in_schema=False)

    async def show(
        request: Request, staff: Staff, office_id: str, values: page_form.Values, **extra: Any
    ) -> HTMLResponse:
        office = await ctx.office_store.office(office_id) or {"name": office_id}
        status = 422 if extra.get("errors") else 200
        return pages.render(
            request,
            "staff_office.html",
            status,
            staff=staff,
            office=office,
            values=values,
            notice=notice(request, ("saved",)),
            **extra,
        )

    @router.get("/office", response_model=None)
    async def settings(request: Request) -> Response:
        staff, office_id = await office_admin(site, request)
        office = await ctx.office_store.office(office_id) or {}
        return await show(request, staff, office_id, page_form.stored_values(office))

    @router.post("/office", response_model=None)
    async def save(request: Request) -> Response:
        form = await pages.form(request)
        staff, office_id = await office_admin(site, request)
        values = page_form.values_of(form)
        parsed = page_form.parse(values)
        if isinstance(parsed, dict):
            return await show(request, staff, office_id, values, errors=parsed)
        try:
            await use_cases.save_office_settings(ctx, staff, office_id, parsed)
        except RuleViolation as problem:
            errors = page_form.rule_error(problem)
            return await show(request, staff, office_id, values, errors=errors)
        return pages.redirect(f"{PAGE}?done=saved")

    return router
