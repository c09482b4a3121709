"""The office's advisors for signed-in staff of that office: each with their weekly hours and
absences; an office admin adds and changes them (name, address, languages, topics, working
windows, absences) through the same use cases as the JSON API (``advisors.use_cases``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from hoppid.scheduling.access import administers
from hoppid.scheduling.advisors import page_form, use_cases
from hoppid.scheduling.model import RuleViolation
from hoppid.scheduling.web.common import not_found, notice, office_admin, office_staff
from hoppid.shared.access import Staff
from hoppid.shared.problems import NotFound

if TYPE_CHECKING:
    from hoppid.scheduling.web.routes import Site

LIST = "/pages/staff/advisors"


def router(site: Site) -> APIRouter:
    pages = site.pages
    ctx = site.ctx
    router = APIRouter(prefix="/pages/staff", include_in_schema=False)

    @router.get("/advisors", response_model=None)
    async def advisors(request: Request) -> Response:
        staff, office_id = await office_staff(site, request)
        office = await ctx.office_store.office(office_id) or {"name": office_id}
        found = sorted(await ctx.advisor_store.advisors(office_id), key=lambda a: a["name"])
        return pages.render(
            request,
            "staff_advisors.html",
            staff=staff,
            office=office,
            advisors=found,
            may_change=administers(staff, office_id),
            notice=notice(request, ("added", "changed")),
        )

    def show_form(
        request: Request, staff: Staff, values: page_form.Values, status: int = 200, **extra: Any
    ) -> HTMLResponse:
        return pages.render(
            request, "staff_advisor_form.html", status, staff=staff, values=values, **extra
        )

    @router.get("/advisors/new", response_model=None)
    async def new(request: Request) -> Response:
        staff, _ = await office_admin(site, request)
        return show_form(request, staff, page_form.new_values(), action=LIST)

    @router.post("/advisors", response_model=None)
    async def add(request: Request) -> Response:
        form = await pages.form(request)
        staff, office_id = await office_admin(site, request)
        values = page_form.values_of(form)
        parsed = page_form.parse(values)
        if isinstance(parsed, dict):
            return show_form(request, staff, values, 422, errors=parsed, action=LIST)
        try:
            await use_cases.add_advisor(ctx, staff, office_id, parsed)
        except RuleViolation as problem:
            errors = page_form.rule_error(problem)
            return show_form(request, staff, values, 422, errors=errors, action=LIST)
        return pages.redirect(f"{LIST}?done=added")

    @router.get("/advisors/{advisor_id}", response_model=None)
    async def advisor(request: Request, advisor_id: str) -> Response:
        staff, office_id = await office_admin(site, request)
        found = await ctx.advisor_store.advisor(office_id, advisor_id)
        if found is None:
            return not_found(site, request, staff)
        values = page_form.stored_values(found)
        return show_form(request, staff, values, action=f"{LIST}/{advisor_id}")

    @router.post("/advisors/{advisor_id}", response_model=None)
    async def change(request: Request, advisor_id: str) -> Response:
        form = await pages.form(request)
        staff, office_id = await office_admin(site, request)
        if await ctx.advisor_store.advisor(office_id, advisor_id) is None:
            return not_found(site, request, staff)  # another office's: before what was typed
        values = page_form.values_of(form)
        action = f"{LIST}/{advisor_id}"
        parsed = page_form.parse(values)
        if isinstance(parsed, dict):
            return show_form(request, staff, values, 422, errors=parsed, action=action)
        try:
            await use_cases.change_advisor(ctx, staff, office_id, advisor_id, parsed)
        except RuleViolation as problem:
            errors = page_form.rule_error(problem)
            return show_form(request, staff, values, 422, errors=errors, action=action)
        except NotFound:
            return not_found(site, request, staff)
        return pages.redirect(f"{LIST}?done=changed")

    return router
