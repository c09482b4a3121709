"""The entrepreneur's own meetings, through their signed link (hoppid.shared.links).

A person acts only on their own cases and bookings: a case is theirs when scheduling offered it
times for them (from intake's ``case.opened``), a booking when it carries their person id. They
act with the rights of that case's office, for that case only, and every change is recorded as
made by the entrepreneur.
"""

from __future__ import annotations

from hoppid.scheduling.access import as_office
from hoppid.scheduling.context import Context, Document
from hoppid.scheduling.meetings import booking as booking_use
from hoppid.scheduling.meetings import changes, forms
from hoppid.shared.problems import NotFound


async def my_meetings(ctx: Context, person_id: str) -> Document:
    offers = await ctx.meeting_store.offers_of_person(person_id)
    bookings = await ctx.meeting_store.bookings_of_person(person_id)
    return {"offers": offers, "bookings": bookings}


async def _my_offer(ctx: Context, person_id: str, case_id: str) -> Document:
    offers = await ctx.meeting_store.offers_of_person(person_id)
    offers = [o for o in offers if o["case_id"] == case_id]
    if not offers:
        raise NotFound(case_id)
    return offers[-1]


async def _my_booking(ctx: Context, person_id: str, booking_id: str) -> Document:
    bookings = await ctx.meeting_store.bookings_of_person(person_id)
    mine = [b for b in bookings if b["_id"] == booking_id]
    if not mine:
        raise NotFound(booking_id)
    return mine[0]


async def book(ctx: Context, person_id: str, form: forms.MyBooking) -> Document:
    offer = await _my_offer(ctx, person_id, form.case_id)
    ctx.cases.remember(form.case_id, offer["office_id"], person_id)  # read: no second look
    booking = forms.Booking(
        case_id=form.case_id,
        person_id=person_id,
        start=form.start,
        mode=form.mode or offer["mode"],
        advisor_id=form.advisor_id,
    )
    staff = as_office(offer["office_id"])
    return await booking_use.book(ctx, staff, offer["office_id"], booking, by="entrepreneur")


async def reschedule(
    ctx: Context, person_id: str, booking_id: str, form: forms.Reschedule
) -> Document:
    booking = await _my_booking(ctx, person_id, booking_id)
    office = booking["office_id"]
    return await changes.reschedule(
        ctx, as_office(office), office, booking_id, form, by="entrepreneur"
    )


async def cancel(ctx: Context, person_id: str, booking_id: str) -> Document:
    booking = await _my_booking(ctx, person_id, booking_id)
    office = booking["office_id"]
    form = forms.Cancel(reason="entrepreneur")
    return await changes.cancel(ctx, as_office(office), office, booking_id, form, by="entrepreneur")
