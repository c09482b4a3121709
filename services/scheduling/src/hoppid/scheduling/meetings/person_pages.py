"""The person's meetings, by their signed link: the times offered, more free times, booking,
moving (the same advisor when free then, as the API does), cancelling after a confirm step,
and the meeting as a calendar file. Every action goes through ``meetings.my_meetings``."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from hoppid.scheduling import model
from hoppid.scheduling.meetings import forms, ics, my_meetings
from hoppid.scheduling.meetings.model import Search
from hoppid.scheduling.meetings.search import SlotTaken, search_slots, slot_out
from hoppid.scheduling.model import RuleViolation
from hoppid.scheduling.web.common import Document, me_of, not_found, notice
from hoppid.shared.problems import Conflict, NotFound
from hoppid.shared.web import PageAnswer
from hoppid.shared.web.bounds import day_or

if TYPE_CHECKING:
    from hoppid.scheduling.web.routes import Site

MORE_TIMES = 20  # free times shown on one page of "more times"
SEARCH_DAYS = 21  # how far one page of "more times" looks
NOTICES = ("booked", "moved", "cancelled")


def slot_value(slot: Document) -> str:
    """A radio button's value: the start and the advisor offered (no personal data)."""
    return f"{slot['start'].isoformat()}|{slot['advisor_id']}"


def parse_slot(value: object) -> tuple[datetime, str | None] | None:
    text = value if isinstance(value, str) else ""
    start, _, advisor = text.partition("|")
    try:
        instant = datetime.fromisoformat(start)
    except ValueError:
        return None
    return (instant, advisor or None) if instant.tzinfo is not None else None


def _upcoming(booking: Document, now: datetime) -> bool:
    return bool(booking["status"] == "booked" and booking["end"] > now)


async def _overview(site: Site, me: str) -> Document:
    """The person's meetings split for the page, and the cases still waiting for a time."""
    mine = await my_meetings.my_meetings(site.ctx, me)
    now = site.ctx.now()
    upcoming = [b for b in mine["bookings"] if _upcoming(b, now)]
    earlier = [b for b in mine["bookings"] if not _upcoming(b, now)]
    booked_cases = {b["case_id"] for b in upcoming}
    latest: dict[str, Document] = {}
    for offer in mine["offers"]:  # oldest first: the last offer of a case is its newest
        latest[offer["case_id"]] = offer
    waiting = [
        {**o, "slots": [s for s in o["slots"] if s["start"] > now]}
        for o in latest.values()
        if o["case_id"] not in booked_cases
    ]
    return {"upcoming": upcoming, "earlier": earlier, "offers": waiting}


async def _free_times(site: Site, office_id: str, mode: Any, first: date) -> list[Document]:
    office = await site.ctx.office_store.office(office_id)
    if office is None:
        return []
    search = Search(
        first=first,
        last=first + timedelta(days=SEARCH_DAYS),
        meeting_type="first_guidance",
        now=site.ctx.now(),
        mode=mode,
        limit=MORE_TIMES,
    )
    return [slot_out(s) for s in await search_slots(site.ctx, office, search)]


def _from_day(request: Request, today: date) -> date:
    return max(day_or(request.query_params.get("from", ""), today), today)


def router(site: Site) -> APIRouter:
    pages = site.pages
    router = APIRouter(prefix="/pages/me/{token}/meetings", include_in_schema=False)

    async def show(
        request: Request, token: str, me: str, status: int = 200, **extra: Any
    ) -> HTMLResponse:
        context = {
            **await _overview(site, me),
            "token": token,
            "notice": notice(request, NOTICES),
            "slot_value": slot_value,
            "fresh": None,
            "fresh_case": None,
            "problem": None,
            **extra,
        }
        return pages.render(request, "me_meetings.html", status=status, **context)

    @router.get("", response_class=HTMLResponse)
    async def meetings(request: Request, token: str) -> HTMLResponse:
        me = await me_of(site, request, token)
        return await show(request, token, me)

    @router.get("/times/{case_id}", response_class=HTMLResponse)
    async def more_times(request: Request, token: str, case_id: str) -> HTMLResponse:
        me = await me_of(site, request, token)
        offers = [o for o in (await _overview(site, me))["offers"] if o["case_id"] == case_id]
        if not offers:
            return not_found(site, request)
        first = _from_day(request, model.oslo_day(site.ctx.now()))
        times = await _free_times(site, offers[0]["office_id"], offers[0]["mode"], first)
        later = (times[-1]["start"].date() + timedelta(days=1)) if times else None
        return pages.render(
            request,
            "me_times.html",
            token=token,
            case_id=case_id,
            times=times,
            later=later,
            slot_value=slot_value,
        )

    @router.post("/book", response_model=None)
    async def book(request: Request, token: str) -> Response:
        form = await pages.form(request)
        me = await me_of(site, request, token)
        chosen = parse_slot(form.get("slot"))
        if chosen is None:
            return await show(request, token, me, 422, errors={"slot": "choose_time"})
        try:
            wanted = forms.MyBooking(
                case_id=str(form.get("case_id") or ""), start=chosen[0], advisor_id=chosen[1]
            )
            await my_meetings.book(site.ctx, me, wanted)
        except SlotTaken as taken:
            fresh = [slot_out(s) for s in taken.slots]
            extra = {"problem": "slot_taken", "fresh": fresh, "fresh_case": wanted.case_id}
            return await show(request, token, me, 409, **extra)
        except (ValidationError, NotFound, RuleViolation):
            return await show(request, token, me, 422, errors={"slot": "choose_time"})
        return pages.redirect(f"/pages/me/{token}/meetings?done=booked")

    async def mine(request: Request, me: str, booking_id: str, upcoming: bool = False) -> Document:
        """The person's own booking (only a coming one when ``upcoming``); else the 404 page."""
        found = await my_meetings.my_meetings(site.ctx, me)
        booking: Document | None = next(
            (b for b in found["bookings"] if b["_id"] == booking_id), None
        )
        if booking is None or (upcoming and not _upcoming(booking, site.ctx.now())):
            raise PageAnswer(not_found(site, request))
        return booking

    async def show_move(
        request: Request, token: str, booking: Document, status: int = 200, **extra: Any
    ) -> HTMLResponse:
        today = model.oslo_day(site.ctx.now())
        times = await _free_times(site, booking["office_id"], booking["mode"], today)
        context = {"token": token, "booking": booking, "times": times, "problem": None, **extra}
        return pages.render(request, "me_move.html", status=status, **context)

    @router.get("/{booking_id}/move", response_class=HTMLResponse)
    async def move_form(request: Request, token: str, booking_id: str) -> HTMLResponse:
        me = await me_of(site, request, token)
        booking = await mine(request, me, booking_id, upcoming=True)
        return await show_move(request, token, booking)

    @router.post("/{booking_id}/move", response_model=None)
    async def move(request: Request, token: str, booking_id: str) -> Response:
        form = await pages.form(request)
        me = await me_of(site, request, token)
        booking = await mine(request, me, booking_id)
        chosen = parse_slot(form.get("slot"))
        if chosen is None:
            return await show_move(request, token, booking, 422, errors={"slot": "choose_time"})
        try:
            # no advisor named: the handler keeps the same advisor when free, else the fairest
            await my_meetings.reschedule(
                site.ctx, me, booking_id, forms.Reschedule(start=chosen[0])
            )
        except SlotTaken:
            return await show_move(request, token, booking, 409, problem="slot_taken")
        except (Conflict, RuleViolation):
            return await show_move(request, token, booking, 409, problem="meeting_changed")
        return pages.redirect(f"/pages/me/{token}/meetings?done=moved")

    @router.get("/{booking_id}/cancel", response_class=HTMLResponse)
    async def cancel_form(request: Request, token: str, booking_id: str) -> HTMLResponse:
        me = await me_of(site, request, token)
        booking = await mine(request, me, booking_id, upcoming=True)
        return pages.render(request, "me_cancel.html", token=token, booking=booking)

    @router.post("/{booking_id}/cancel", response_model=None)
    async def cancel(request: Request, token: str, booking_id: str) -> Response:
        await pages.form(request)
        me = await me_of(site, request, token)
        try:
            await my_meetings.cancel(site.ctx, me, booking_id)
        except NotFound:
            return not_found(site, request)
        except Conflict:
            pass  # cancelled already (a second click): the overview shows it as it is
        return pages.redirect(f"/pages/me/{token}/meetings?done=cancelled")

    @router.get("/{booking_id}/calendar.ics", response_model=None)
    async def calendar(request: Request, token: str, booking_id: str) -> Response:
        me = await me_of(site, request, token)
        booking = await mine(request, me, booking_id)
        office = await site.ctx.office_store.office(booking["office_id"]) or {}
        settings = office.get("settings") or {}
        place = {"name": office.get("name", ""), "video_link": settings.get("video_link")}
        text = ics.calendar([booking], {booking["office_id"]: place}, site.ctx.now())
        headers = {
            "Content-Disposition": f'attachment; filename="{booking_id}.ics"',
            "Cache-Control": "no-store",
        }
        return Response(text, media_type="text/calendar; charset=utf-8", headers=headers)

    return router
