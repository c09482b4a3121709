"""One desk for the office admin: rename it, or remove it (desks.desk_changes, the same use
cases as the JSON API). A removal refused because seat bookings are still to come answers 409
on this page, naming how many; the bookings are listed by day on the desks page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from hoppid.scheduling import model
from hoppid.scheduling.desks import desk_changes
from hoppid.scheduling.desks.forms import DeskForm
from hoppid.scheduling.ownership import NotOurs
from hoppid.scheduling.web.common import not_found, office_admin
from hoppid.scheduling.web.form_fields import text
from hoppid.shared.access import Staff
from hoppid.shared.web import PageAnswer

if TYPE_CHECKING:
    from hoppid.scheduling.web.routes import Site


def router(site: Site) -> APIRouter:
    pages = site.pages
    store = site.desks.store
    router = APIRouter(prefix="/pages/staff/desks/{desk_id}", include_in_schema=False)

    async def show(
        request: Request,
        staff: Staff,
        office_id: str,
        desk_id: str,
        status: int = 200,
        **extra: Any,
    ) -> HTMLResponse:
        desk = await store.desk(office_id, desk_id)
        if desk is None or not desk.get("active", True):
            raise PageAnswer(not_found(site, request, staff))
        today = model.oslo_day(site.ctx.now()).isoformat()
        context = {
            "desk": desk,
            "held": await store.held_from(desk_id, today),  # linked to their days' pages
            "values": {"name": desk["name"]},
            "in_use": None,
            **extra,
        }
        return pages.render(request, "staff_desk.html", status, staff=staff, **context)

    @router.get("", response_model=None)
    async def desk(request: Request, desk_id: str) -> Response:
        staff, office_id = await office_admin(site, request)
        return await show(request, staff, office_id, desk_id)

    @router.post("", response_model=None)
    async def change(request: Request, desk_id: str) -> Response:
        form = await pages.form(request)
        staff, office_id = await office_admin(site, request)
        values = {"name": text(form, "name")}
        try:
            checked = DeskForm.model_validate(values)
            await desk_changes.change_desk(site.desks, staff, office_id, desk_id, checked)
        except ValidationError:
            errors = {"name": "error_desk_name"}
            return await show(request, staff, office_id, desk_id, 422, errors=errors, values=values)
        except NotOurs:
            return not_found(site, request, staff)
        return pages.redirect("/pages/staff/desks?done=desk_changed")

    @router.post("/remove", response_model=None)
    async def remove(request: Request, desk_id: str) -> Response:
        await pages.form(request)
        staff, office_id = await office_admin(site, request)
        try:
            await desk_changes.remove_desk(site.desks, staff, office_id, desk_id)
        except desk_changes.DeskInUse as in_use:
            return await show(request, staff, office_id, desk_id, 409, in_use=in_use.held)
        except NotOurs:
            return not_found(site, request, staff)
        return pages.redirect("/pages/staff/desks?done=desk_removed")

    return router
