"""Reactions to intake's case events: times offered when a case opens, the advisor who follows
a case remembered (the staff booking page offers them first), a person's meetings cancelled on
their erasure."""

from __future__ import annotations

from datetime import timedelta

from hoppid.contracts import intake as intake_events
from hoppid.contracts import scheduling as ev
from hoppid.scheduling import model
from hoppid.scheduling.context import (
    Context,
    office_envelope,
)
from hoppid.scheduling.meetings.changes import cancel_meeting
from hoppid.scheduling.meetings.model import Search
from hoppid.scheduling.meetings.search import search_slots, slot_out
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.events.base import expected


async def offer_slots(ctx: Context, event: Event, envelope: Envelope) -> None:
    """A case opened: offer its earliest fitting free times, once per event."""
    event = expected(event, intake_events.CaseOpened)
    now = ctx.now()
    office = await ctx.office_store.office(event.office_id) or {"_id": event.office_id}
    first = model.oslo_day(now)
    search = Search(
        first=first,
        last=first + timedelta(days=ctx.offer_days),
        meeting_type="first_guidance",
        now=now,
        language=event.language,
        mode=event.meeting_mode,
        limit=ctx.offer_count,
    )
    slots = await search_slots(ctx, office, search) if "name" in office else []
    offered = ev.SlotsOffered(
        case_id=event.case_id,
        office_id=event.office_id,
        person_id=event.person_id,
        meeting_type="first_guidance",
        slots=[ev.OfferedSlot(**slot_out(slot)) for slot in slots],
        offered_at=now,
    )
    offer = {
        "_id": envelope.id,  # one offer per case-opened event, however often it comes
        "case_id": event.case_id,
        "office_id": event.office_id,
        "person_id": event.person_id,
        "municipality": event.municipality,  # where the person lives: for their enrolments
        "language": event.language,
        "mode": event.meeting_mode,
        "slots": [slot_out(slot) for slot in slots],
        "created_at": now,
    }
    offered_envelope = office_envelope(offered, event.case_id, office)
    if await ctx.meeting_store.insert_offer(offer, [offered_envelope]):
        ctx.notify()


async def follow_advisor(ctx: Context, event: Event, envelope: Envelope) -> None:
    """intake assigned an advisor to a case: kept on the case's offers. Safe to repeat; an
    assignment before scheduling saw the case cannot come (same subject, same partition, and
    case.opened is first)."""
    event = expected(event, intake_events.AdvisorAssigned)
    await ctx.meeting_store.assign_case_advisor(event.case_id, event.advisor_id)


async def erase_person(ctx: Context, event: Event, envelope: Envelope) -> None:
    """scheduling keeps no personal data of the person (ids only); their upcoming meetings are
    cancelled, since nobody can come to them. Safe to repeat: only booked meetings change."""
    event = expected(event, intake_events.ErasureRequested)
    await ctx.store.mark_erased(event.person_id, ctx.now())  # their links stop working here
    for booking in await ctx.meeting_store.booked_of_person(event.person_id, ctx.now()):
        office = await ctx.office_store.office(booking["office_id"]) or {
            "_id": booking["office_id"]
        }
        await cancel_meeting(ctx, office, booking, "erasure", "system", "erasure")
