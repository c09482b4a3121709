"""The office's desks for signed-in staff of that office: the bookings of a day and check-in,
and a new desk (office admins); the same use cases as the JSON API (``desks.use_cases``)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from hoppid.scheduling import model
from hoppid.scheduling.access import administers
from hoppid.scheduling.desks import use_cases as desk_use
from hoppid.scheduling.desks.forms import DeskForm
from hoppid.scheduling.model import RuleViolation
from hoppid.scheduling.web.common import not_found, notice, office_admin, office_staff
from hoppid.scheduling.web.form_fields import text
from hoppid.shared.access import Staff
from hoppid.shared.problems import Conflict, NotFound
from hoppid.shared.web.bounds import day_or

if TYPE_CHECKING:
    from hoppid.scheduling.web.routes import Site


def _day_of(request: Request, today: date) -> date:
    return day_or(request.query_params.get("day", ""), today)


def router(site: Site) -> APIRouter:
    pages = site.pages
    router = APIRouter(prefix="/pages/staff", include_in_schema=False)

    async def show_desks(
        request: Request, staff: Staff, office_id: str, status: int = 200, **extra: Any
    ) -> HTMLResponse:
        today = model.oslo_day(site.ctx.now())
        day = _day_of(request, today)
        every_desk = await site.desks.store.desks(office_id)  # removed ones name old bookings
        desks = [d for d in every_desk if d.get("active", True)]
        bookings = await site.desks.store.of_office(office_id, day.isoformat())
        names = {d["_id"]: d["name"] for d in every_desk}
        rows = [{**b, "desk": names.get(b["desk_id"], "-")} for b in bookings]
        context = {
            "day": day,
            "today": today,
            "previous": day - timedelta(days=1),
            "following": day + timedelta(days=1),
            "desks": desks,
            "bookings": rows,
            "problem": None,
            "notice": notice(
                request,
                ("checked_in", "seat_cancelled", "desk_added", "desk_changed", "desk_removed"),
            ),
            "may_change": administers(staff, office_id),
            "values": {"name": ""},
            **extra,
        }
        return pages.render(request, "staff_desks.html", status, staff=staff, **context)

    @router.get("/desks", response_model=None)
    async def desks(request: Request) -> Response:
        return await show_desks(request, *await office_staff(site, request))

    @router.post("/desks/{booking_id}/check-in", response_model=None)
    async def check_in(request: Request, booking_id: str) -> Response:
        await pages.form(request)
        staff, office_id = await office_staff(site, request)
        try:
            await desk_use.check_in(site.desks, staff, office_id, booking_id)
        except NotFound:
            return not_found(site, request, staff)
        except (RuleViolation, Conflict):
            return await show_desks(request, staff, office_id, 409, problem="check_in_refused")
        return pages.redirect("/pages/staff/desks?done=checked_in")

    @router.post("/desks/{booking_id}/cancel", response_model=None)
    async def cancel(request: Request, booking_id: str) -> Response:
        """Cancel a seat booking (as the JSON API: seat.released), back to its day's page."""
        await pages.form(request)
        staff, office_id = await office_staff(site, request)
        try:
            booking = await desk_use.cancel(site.desks, staff, office_id, booking_id)
        except NotFound:
            return not_found(site, request, staff)
        except Conflict:
            return await show_desks(request, staff, office_id, 409, problem="seat_cancel_refused")
        return pages.redirect(f"/pages/staff/desks?day={booking['day']}&done=seat_cancelled")

    @router.post("/desks", response_model=None)
    async def add_desk(request: Request) -> Response:
        form = await pages.form(request)
        staff, office_id = await office_admin(site, request)
        values = {"name": text(form, "name")}
        try:
            await desk_use.add_desk(site.desks, staff, office_id, DeskForm.model_validate(values))
        except ValidationError:
            errors = {"name": "error_desk_name"}
            return await show_desks(request, staff, office_id, 422, errors=errors, values=values)
        return pages.redirect("/pages/staff/desks?done=desk_added")

    return router
