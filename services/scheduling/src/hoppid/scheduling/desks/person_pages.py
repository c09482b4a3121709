"""The person's desks, by their signed link: the free desks of the coming open days at their
office, and booking one by half day. The same use cases as the JSON API (``desks.use_cases``),
acting with the office's rights."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from hoppid.scheduling import model
from hoppid.scheduling.access import as_office
from hoppid.scheduling.desks import use_cases as desk_use
from hoppid.scheduling.desks.forms import SeatForm
from hoppid.scheduling.model import RuleViolation
from hoppid.scheduling.offices.rules import rules_of
from hoppid.scheduling.web.common import Document, me_of, notice, person_offices
from hoppid.shared.problems import Conflict

if TYPE_CHECKING:
    from hoppid.scheduling.web.routes import Site

DESK_DAYS = 10  # open days shown ahead on the desk page
HALVES = ("morning", "afternoon")
USED = ("booked", "checked_in")


def _open_days(office: Document, today: date, count: int) -> list[date]:
    """The next days the office is open (not closed, not a public holiday)."""
    rules = rules_of(office)
    weekdays = {weekday for weekday, _, _ in rules.opening}
    found: list[date] = []
    day = today
    while len(found) < count and (day - today).days < 60:
        if day.weekday() in weekdays and not rules.closed_on(day):
            found.append(day)
        day += timedelta(days=1)
    return found


async def _desk_days(site: Site, office_id: str, days: list[date], me: str) -> Document:
    """Free desks per half of each day, and the person's own bookings among them."""
    desks = [d for d in await site.desks.store.desks(office_id) if d.get("active", True)]
    rows, mine = [], []
    for day in days:
        bookings = [
            b
            for b in await site.desks.store.of_office(office_id, day.isoformat())
            if b["status"] in USED
        ]
        used = {half: sum(1 for b in bookings if b["half"] == half) for half in HALVES}
        rows.append({"day": day, **{h: len(desks) - used[h] for h in HALVES}})
        mine += [b for b in bookings if b["person_id"] == me]
    return {"capacity": len(desks), "rows": rows, "mine": mine}


def router(site: Site) -> APIRouter:
    pages = site.pages
    router = APIRouter(prefix="/pages/me/{token}", include_in_schema=False)

    async def show_desks(
        request: Request, token: str, me: str, status: int = 200, **extra: Any
    ) -> HTMLResponse:
        offices = await person_offices(site, me)
        office = await site.ctx.office_store.office(offices[0]) if offices else None
        context: Document = {"token": token, "office": office, "problem": None}
        if office is not None:
            days = _open_days(office, model.oslo_day(site.ctx.now()), DESK_DAYS)
            context.update(await _desk_days(site, office["_id"], days, me))
        context["notice"] = notice(request, ("desk",))
        context["values"] = {}
        context.update(extra)
        return pages.render(request, "me_desks.html", status=status, **context)

    @router.get("/desks", response_class=HTMLResponse)
    async def desks(request: Request, token: str) -> HTMLResponse:
        me = await me_of(site, request, token)
        return await show_desks(request, token, me)

    @router.post("/desks", response_model=None)
    async def book_desk(request: Request, token: str) -> Response:
        form = await pages.form(request)
        me = await me_of(site, request, token)
        offices = await person_offices(site, me)
        values = {k: str(form.get(k) or "") for k in ("day", "half")}
        if not offices:
            return await show_desks(request, token, me, 404)
        try:
            seat = SeatForm.model_validate({**values, "person_id": me})
        except ValidationError as error:
            field = str(error.errors()[0]["loc"][0])
            errors = {field if field in values else "day": f"desk_bad_{field}"}
            return await show_desks(request, token, me, 422, errors=errors, values=values)
        staff = as_office(offices[0])
        try:
            await desk_use.book(site.desks, staff, offices[0], seat, by="entrepreneur")
        except RuleViolation as error:
            field = error.field if error.field in values else "day"
            errors = {field: f"desk_bad_{field}"}
            return await show_desks(request, token, me, 422, errors=errors, values=values)
        except Conflict:
            return await show_desks(
                request, token, me, 409, problem="desk_none_free", values=values
            )
        return pages.redirect(f"/pages/me/{token}/desks?done=desk")

    return router
