"""The office's calendar for signed-in staff: the meetings per day and advisor, with held /
no-show buttons. Only the staff member's own office; the same use case as the JSON API
(``meetings.changes.mark``)."""

from __future__ import annotations

from datetime import time, timedelta
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from hoppid.scheduling import model
from hoppid.scheduling.meetings import changes
from hoppid.scheduling.model import RuleViolation, existing_oslo_instant
from hoppid.scheduling.web.common import Document, not_found, notice, office_staff
from hoppid.shared.access import Staff
from hoppid.shared.problems import Conflict, NotFound

if TYPE_CHECKING:
    from hoppid.scheduling.web.routes import Site

DAYS_BACK = 7  # meetings still to record as held or missed
DAYS_AHEAD = 14
OUTCOMES = {"held": "held", "no-show": "missed"}
BOOKED = "meeting_booked"  # after a booking on the staff booking page (staff_booking_pages)


def _days(bookings: list[Document], names: dict[str, str]) -> list[Document]:
    """The meetings by Oslo day, and within a day by advisor, then time."""
    by_day: dict[Any, list[Document]] = {}
    for booking in bookings:
        row = {**booking, "advisor": names.get(booking["advisor_id"], "-")}
        by_day.setdefault(model.oslo_day(booking["start"]), []).append(row)
    return [
        {"day": day, "meetings": sorted(rows, key=lambda r: (r["advisor"], r["start"]))}
        for day, rows in sorted(by_day.items())
    ]


def router(site: Site) -> APIRouter:
    pages = site.pages
    ctx = site.ctx
    router = APIRouter(prefix="/pages/staff", include_in_schema=False)

    @router.get("", response_model=None)
    async def start(request: Request) -> RedirectResponse:
        return pages.redirect("/pages/staff/calendar")

    async def show_calendar(
        request: Request, staff: Staff, office_id: str, status: int = 200, **extra: Any
    ) -> HTMLResponse:
        today = model.oslo_day(ctx.now())
        since = existing_oslo_instant(today - timedelta(days=DAYS_BACK), time(0))
        until = existing_oslo_instant(today + timedelta(days=DAYS_AHEAD + 1), time(0))
        bookings = await ctx.meeting_store.bookings_of_office(office_id, since, until)
        names = {a["_id"]: a["name"] for a in await ctx.advisor_store.advisors(office_id)}
        office = await ctx.office_store.office(office_id) or {"name": office_id}
        context = {
            "office": office,
            "days": _days(bookings, names),
            "now": ctx.now(),
            "notice": notice(request, (*OUTCOMES.values(), BOOKED)),
            "problem": None,
            **extra,
        }
        return pages.render(request, "staff_calendar.html", status, staff=staff, **context)

    @router.get("/calendar", response_model=None)
    async def calendar(request: Request) -> Response:
        staff, office_id = await office_staff(site, request)
        return await show_calendar(request, staff, office_id)

    @router.post("/meetings/{booking_id}/{outcome}", response_model=None)
    async def mark(request: Request, booking_id: str, outcome: str) -> Response:
        await pages.form(request)
        staff, office_id = await office_staff(site, request)
        if outcome not in OUTCOMES:
            return not_found(site, request, staff)
        try:
            await changes.mark(ctx, staff, office_id, booking_id, OUTCOMES[outcome])
        except NotFound:
            return not_found(site, request, staff)
        except RuleViolation:
            return await show_calendar(request, staff, office_id, 422, problem="mark_too_early")
        except Conflict:
            return await show_calendar(request, staff, office_id, 409, problem="meeting_changed")
        return pages.redirect(f"/pages/staff/calendar?done={OUTCOMES[outcome]}")

    return router
