"""HTTP routes of meetings, thin: parse -> use case -> response.

Audiences: office staff (a platform key of their office, or scheduling's platform admin key:
free times, booking, moving, cancelling, held / no-show), advisors' and offices' calendar apps
(the private feed link) and entrepreneurs (their signed link from their receipt,
hoppid.shared.links: their offered times and their own meetings only).
"""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from hoppid.scheduling import forms as common_forms
from hoppid.scheduling.access import digest
from hoppid.scheduling.context import Context, office_for
from hoppid.scheduling.meetings import booking as booking_use
from hoppid.scheduling.meetings import changes, forms, ics, my_meetings
from hoppid.scheduling.meetings.model import Search
from hoppid.scheduling.meetings.search import SlotTaken, search_slots, slot_out
from hoppid.scheduling.model import RuleViolation, existing_oslo_instant
from hoppid.scheduling.responses import out
from hoppid.shared.access import Staff
from hoppid.shared.person_links import linked_person, person_dependency
from hoppid.shared.problems import NotFound, handled, problem
from hoppid.shared.web.bounds import Day, check_range

CALENDAR = "text/calendar; charset=utf-8"


class CalendarFile(Response):
    """An iCalendar answer, so documented in the OpenAPI (not as JSON)."""

    media_type = CALENDAR


FEED_HISTORY = timedelta(days=90)  # how far back an advisor's feed reaches
# the longest windows a request may ask for: a search computes every slot of its window
MOST_SEARCH_DAYS = 92
MOST_LISTED_DAYS = 366


def install(
    app: FastAPI, ctx: Context, staff_dep: Callable[..., Any], link_secret: str = ""
) -> None:
    """Routes of meetings: free times, the office's bookings, calendar feeds, the person's own."""
    # a taken slot is a conflict that also offers fresh times
    app.add_exception_handler(SlotTaken, _slot_taken)
    app.include_router(_slots_router(ctx, staff_dep))
    app.include_router(_booking_router(ctx, staff_dep))
    app.include_router(_calendar_router(ctx))
    if link_secret:
        app.include_router(_person_router(ctx, link_secret))


async def _slot_taken(request: Request, error: Exception) -> JSONResponse:
    slots = jsonable_encoder([slot_out(s) for s in handled(error, SlotTaken).slots])
    return problem(
        409, "Conflict", str(error), type_="https://hoppid.no/problems/slot-taken", slots=slots
    )


def _slots_router(ctx: Context, staff_dep: Callable[..., Any]) -> APIRouter:
    router = APIRouter(prefix="/v1/offices", tags=["offices"])
    Caller = Annotated[Staff, Depends(staff_dep)]

    @router.get("/{office_id}/slots", summary="Free times, earliest first, with filters")
    async def slots(
        caller: Caller,
        office_id: str,
        first: Annotated[Day, Query(alias="from")],
        last: Annotated[Day, Query(alias="to")],
        meeting_type: forms.MeetingType = "first_guidance",
        language: common_forms.Language | None = None,
        topic: Annotated[str | None, Query(pattern=r"^[a-z][a-z_]{1,39}$")] = None,
        mode: forms.Mode | None = None,
        advisor: Annotated[str | None, Query(max_length=100)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
    ) -> list[dict[str, Any]]:
        check_range(first, last, MOST_SEARCH_DAYS, ("from", "to"))
        found = await office_for(ctx, caller, office_id)
        search = Search(first, last, meeting_type, ctx.now(), language, topic, mode, advisor, limit)
        return [slot_out(s) for s in await search_slots(ctx, found, search)]

    return router


# --- bookings ----------------------------------------------------------------------------------


def _booking_router(ctx: Context, staff_dep: Callable[..., Any]) -> APIRouter:
    router = APIRouter(prefix="/v1/offices/{office_id}/bookings", tags=["meetings"])
    Caller = Annotated[Staff, Depends(staff_dep)]

    @router.post("", status_code=201, summary="Book a meeting for a case (409 with free times)")
    async def book(caller: Caller, office_id: str, form: forms.Booking) -> dict[str, Any]:
        return out(await booking_use.book(ctx, caller, office_id, form))

    @router.get("", summary="The office's meetings in a date range")
    async def listing(
        caller: Caller,
        office_id: str,
        first: Annotated[Day, Query(alias="from")],
        last: Annotated[Day, Query(alias="to")],
    ) -> list[dict[str, Any]]:
        check_range(first, last, MOST_LISTED_DAYS, ("from", "to"))
        await office_for(ctx, caller, office_id)
        since, until = _utc_days(first, last)
        return [out(b) for b in await ctx.meeting_store.bookings_of_office(office_id, since, until)]

    @router.get("/{booking_id}", summary="One meeting")
    async def one(caller: Caller, office_id: str, booking_id: str) -> dict[str, Any]:
        return out(await booking_use.open_booking(ctx, caller, office_id, booking_id))

    @router.get(
        "/{booking_id}/calendar.ics",
        summary="The meeting as an iCalendar file",
        response_class=CalendarFile,
    )
    async def calendar(caller: Caller, office_id: str, booking_id: str) -> Response:
        booking = await booking_use.open_booking(ctx, caller, office_id, booking_id)
        office = await ctx.office_store.office(office_id) or {}
        text = ics.calendar([booking], {office_id: _office_place(office)}, ctx.now())
        headers = {"Content-Disposition": f'attachment; filename="{booking_id}.ics"'}
        return Response(text, media_type=CALENDAR, headers=headers)

    @router.post("/{booking_id}/reschedule", summary="Move the meeting (409 with free times)")
    async def reschedule(
        caller: Caller, office_id: str, booking_id: str, form: forms.Reschedule
    ) -> dict[str, Any]:
        return out(await changes.reschedule(ctx, caller, office_id, booking_id, form))

    @router.post("/{booking_id}/cancel", summary="Cancel the meeting")
    async def cancel(
        caller: Caller, office_id: str, booking_id: str, form: forms.Cancel
    ) -> dict[str, Any]:
        return out(await changes.cancel(ctx, caller, office_id, booking_id, form))

    @router.post("/{booking_id}/held", summary="Record that the meeting was held")
    async def held(caller: Caller, office_id: str, booking_id: str) -> dict[str, Any]:
        return out(await changes.mark(ctx, caller, office_id, booking_id, "held"))

    @router.post("/{booking_id}/no-show", summary="Record that the person did not come")
    async def no_show(caller: Caller, office_id: str, booking_id: str) -> dict[str, Any]:
        return out(await changes.mark(ctx, caller, office_id, booking_id, "missed"))

    return router


def _utc_days(first: date, last: date) -> tuple[datetime, datetime]:
    """From the start of the first Oslo day to the end of the last one, in UTC."""
    if last < first:
        raise RuleViolation("to", "the range ends before it starts")
    since = existing_oslo_instant(first, time(0))
    until = existing_oslo_instant(last + timedelta(days=1), time(0))
    return since, until


def _office_place(office: dict[str, Any]) -> dict[str, Any]:
    settings = office.get("settings") or {}
    return {"name": office.get("name", ""), "video_link": settings.get("video_link")}


# --- advisors' private calendar feeds --------------------------------------------------------


def _calendar_router(ctx: Context) -> APIRouter:
    router = APIRouter(prefix="/v1/calendars", tags=["calendar feeds"])

    async def _office_feed(office: dict[str, Any]) -> Response:
        now = ctx.now()
        bookings = await ctx.meeting_store.bookings_of_office(
            office["_id"], now - FEED_HISTORY, now + timedelta(days=366)
        )
        places = {office["_id"]: _office_place(office)}
        name = str(office.get("name", office["_id"]))
        return Response(ics.calendar(bookings, places, now, name), media_type=CALENDAR)

    @router.get(
        "/{token}.ics",
        summary="An advisor's or an office's meetings (the link is the secret)",
        response_class=CalendarFile,
    )
    async def feed(token: str) -> Response:
        hashed = digest(token) if len(token) < 100 else ""
        advisor = await ctx.advisor_store.advisor_by_feed(hashed) if hashed else None
        if advisor is None:
            office = await ctx.office_store.office_by_feed(hashed) if hashed else None
            if office is None:
                raise NotFound("feed")
            return await _office_feed(office)
        now = ctx.now()
        bookings = await ctx.meeting_store.bookings_of_advisor(advisor["_id"], now - FEED_HISTORY)
        office = await ctx.office_store.office(advisor["office_id"]) or {}
        places = {advisor["office_id"]: _office_place(office)}
        return Response(ics.calendar(bookings, places, now, advisor["name"]), media_type=CALENDAR)

    return router


# --- the entrepreneur's own link ------------------------------------------------------------


def _person_router(ctx: Context, link_secret: str) -> APIRouter:
    router = APIRouter(prefix="/v1/me/{token}", tags=["the entrepreneur's link"])

    async def person_of(token: str) -> str | None:
        return await linked_person(link_secret, token, ctx.now(), ctx.vault, ctx.store.is_erased)

    Person = Annotated[str, Depends(person_dependency(person_of))]

    @router.get("/meetings", summary="The times offered to me and my meetings")
    async def meetings(me: Person) -> dict[str, Any]:
        mine = await my_meetings.my_meetings(ctx, me)
        return {
            "offers": [out(o) for o in mine["offers"]],
            "bookings": [out(b) for b in mine["bookings"]],
        }

    @router.post("/bookings", status_code=201, summary="Book one of my offered times (409: taken)")
    async def book(me: Person, form: forms.MyBooking) -> dict[str, Any]:
        return out(await my_meetings.book(ctx, me, form))

    @router.post("/bookings/{booking_id}/reschedule", summary="Move my meeting")
    async def reschedule(me: Person, booking_id: str, form: forms.Reschedule) -> dict[str, Any]:
        return out(await my_meetings.reschedule(ctx, me, booking_id, form))

    @router.post("/bookings/{booking_id}/cancel", summary="Cancel my meeting")
    async def cancel(me: Person, booking_id: str) -> dict[str, Any]:
        return out(await my_meetings.cancel(ctx, me, booking_id))

    return router
