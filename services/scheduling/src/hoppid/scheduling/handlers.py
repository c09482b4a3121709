"""scheduling's use cases: one function per command or event; each commits through the store.

Handlers raise :class:`~hoppid.scheduling.model.RuleViolation` (422, naming the field),
:class:`NotFound` (404), :class:`Conflict` (409), :class:`SlotTaken` (409 with fresh slots) or
PermissionError (403); the API turns them into problems.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from hoppid.scheduling import forms, model
from hoppid.scheduling.access import administers, digest, new_feed_token, works_at
from hoppid.scheduling.model import Advisor, OfficeRules, RuleViolation, Search, Slot
from hoppid.scheduling.store import SchedulingStore, claim_id
from hoppid.shared.access import Staff
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.events import intake as intake_events
from hoppid.shared.events import scheduling as ev
from hoppid.shared.pii import PersonalDataVault
from hoppid.shared.problems import Conflict as Conflict  # re-exported for the use cases
from hoppid.shared.problems import NotFound as NotFound
from hoppid.shared.tenancy import OfficeRegistry

Document = dict[str, Any]
EventHandler = Callable[["Context", Event, Envelope], Awaitable[None]]
BoundHandler = Callable[[Event, Envelope], Awaitable[None]]
FRESH_SLOTS = 5  # offered with a conflict answer
FRESH_DAYS = 14


class SlotTaken(Conflict):
    """That time is not free (any more); ``slots`` are free ones to choose from instead."""

    def __init__(self, slots: list[Slot]) -> None:
        super().__init__("that time is not free; choose one of the free times offered")
        self.slots = slots


@dataclass
class Context:
    store: SchedulingStore
    notify: Callable[[], None]  # wakes the outbox relay after a write
    public_url: str
    offer_count: int
    offer_days: int
    vault: PersonalDataVault  # seals an advisor's name and address on advisor.changed
    now: Callable[[], datetime] = lambda: datetime.now(UTC)


# --- reading the store into the model --------------------------------------------------------


def rules_of(office: Document) -> OfficeRules:
    settings = forms.OfficeSettings.model_validate(office.get("settings") or {})
    return OfficeRules(
        opening=tuple((o.weekday, o.opens, o.closes) for o in settings.opening_hours),
        closed_days=frozenset(settings.closed_days),
        durations={
            "first_guidance": settings.first_guidance_minutes,
            "follow_up": settings.follow_up_minutes,
        },
        buffer_minutes=settings.buffer_minutes,
        minimum_notice_hours=settings.minimum_notice_hours,
    )


def advisor_of(document: Document) -> Advisor:
    form = forms.AdvisorForm.model_validate(
        {k: document[k] for k in forms.AdvisorForm.model_fields}
    )
    return Advisor(
        id=document["_id"],
        languages=frozenset(form.languages),
        topics=frozenset(form.topics),
        hours=tuple(model.Hours(h.weekday, h.start, h.end, h.place) for h in form.weekly_hours),
        absences=tuple((a.first_day, a.last_day) for a in form.absences),
    )


async def _busy_and_loads(
    ctx: Context, advisors: Sequence[Advisor], first: date, last: date, ignore: str = ""
) -> tuple[dict[str, set[datetime]], dict[str, int]]:
    """Cells booked per advisor around the days, and each advisor's upcoming meetings."""
    ids = [a.id for a in advisors]
    since = datetime.combine(first, time(0), UTC) - timedelta(days=1)
    until = datetime.combine(last, time(0), UTC) + timedelta(days=2)
    busy: dict[str, set[datetime]] = {advisor_id: set() for advisor_id in ids}
    now = ctx.now()
    for booking in await ctx.store.booked_between(ids, since, until):
        if booking["_id"] != ignore:
            busy[booking["advisor_id"]].update(booking["cells"])
    # a booking being written has claimed its cells and not yet stored itself: busy too
    for claim in await ctx.store.claims_in_flight(ids, since, until, now):
        if claim["booking_id"] != ignore:
            busy[claim["advisor_id"]].add(claim["cell"])
    loads = {advisor_id: await ctx.store.upcoming_count(advisor_id, now) for advisor_id in ids}
    return busy, loads


async def _advisors(ctx: Context, office_id: str) -> list[Advisor]:
    return [advisor_of(d) for d in await ctx.store.advisors(office_id) if d.get("active", True)]


async def search_slots(ctx: Context, office: Document, search: Search) -> list[Slot]:
    if search.last < search.first:
        raise RuleViolation("to", "the range ends before it starts")
    if (search.last - search.first).days > 92:
        raise RuleViolation("to", "search at most 92 days at a time")
    advisors = await _advisors(ctx, office["_id"])
    busy, loads = await _busy_and_loads(ctx, advisors, search.first, search.last)
    return model.free_slots(rules_of(office), advisors, busy, loads, search)


# --- offices -----------------------------------------------------------------------------------


def _office_fields(event: intake_events.OfficeChanged) -> Document:
    return {
        "name": event.name,
        "municipalities": event.municipalities,
        "languages": event.languages,
        "contact_email": event.contact_email,
        "changed_at": event.changed_at,
    }


async def seed_offices(ctx: Context, registry: OfficeRegistry) -> None:
    """The packaged offices, so scheduling works before intake's first office event arrives."""
    for office in registry:
        await ctx.store.seed_office(
            {
                "_id": office.id,
                "name": office.name,
                "municipalities": list(office.municipalities),
                "languages": list(office.languages),
                "contact_email": str(office.contact_email),
            }
        )


async def learn_office(ctx: Context, event: Event, envelope: Envelope) -> None:
    assert isinstance(event, intake_events.OfficeChanged)
    await ctx.store.learn_office(event.office_id, _office_fields(event), envelope.id)


async def office_for(ctx: Context, staff: Staff, office_id: str) -> Document:
    if not works_at(staff, office_id):
        raise PermissionError("this key is not of this office")
    office = await ctx.store.office(office_id)
    if office is None:
        raise NotFound(office_id)
    return office


async def save_office_settings(
    ctx: Context, staff: Staff, office_id: str, form: forms.OfficeSettings
) -> Document:
    if not administers(staff, office_id):
        raise PermissionError("not an admin of this office")
    await office_for(ctx, staff, office_id)
    model.check_durations(
        {
            "first_guidance_minutes": form.first_guidance_minutes,
            "follow_up_minutes": form.follow_up_minutes,
        },
        form.buffer_minutes,
    )
    for opening in form.opening_hours:
        if opening.closes <= opening.opens:
            raise RuleViolation("opening_hours", "an office must close after it opens")
    office = await ctx.store.set_office_settings(office_id, form.model_dump(mode="json"))
    if office is None:
        raise NotFound(office_id)
    return office


# --- advisors ----------------------------------------------------------------------------------


def _check_advisor(form: forms.AdvisorForm) -> None:
    model.check_hours(model.Hours(h.weekday, h.start, h.end, h.place) for h in form.weekly_hours)
    for absence in form.absences:
        if absence.last_day < absence.first_day:
            raise RuleViolation("absences", "an absence must end on or after its first day")


def feed_url(ctx: Context, token: str) -> str:
    return f"{ctx.public_url.rstrip('/')}/v1/calendars/{token}.ics"


async def add_advisor(
    ctx: Context, staff: Staff, office_id: str, form: forms.AdvisorForm
) -> Document:
    if not administers(staff, office_id):
        raise PermissionError("not an admin of this office")
    await office_for(ctx, staff, office_id)
    _check_advisor(form)
    token = new_feed_token()
    advisor = {
        "_id": str(uuid.uuid4()),
        "office_id": office_id,
        **form.model_dump(mode="json"),
        "active": True,
        "feed_token_hash": digest(token),
        "created_at": ctx.now(),
    }
    event = await _advisor_changed(ctx, advisor)
    await ctx.store.insert_advisor(advisor, [event])
    ctx.notify()
    return {**advisor, "feed_url": feed_url(ctx, token)}  # the feed's link is shown once


async def change_advisor(
    ctx: Context, staff: Staff, office_id: str, advisor_id: str, form: forms.AdvisorForm
) -> Document:
    if not administers(staff, office_id):
        raise PermissionError("not an admin of this office")
    _check_advisor(form)
    if await ctx.store.advisor(office_id, advisor_id) is None:  # no vault key for nobody
        raise NotFound(advisor_id)
    fields = {**form.model_dump(mode="json"), "updated_at": ctx.now()}
    event = await _advisor_changed(ctx, {"_id": advisor_id, "office_id": office_id, **fields})
    advisor = await ctx.store.update_advisor(office_id, advisor_id, fields, [event])
    if advisor is None:
        raise NotFound(advisor_id)
    ctx.notify()
    return advisor


async def _advisor_changed(ctx: Context, advisor: Document) -> Envelope:
    """advisor.changed with name and address sealed under the advisor's own vault key."""
    event = ev.AdvisorChanged(
        advisor_id=advisor["_id"],
        office_id=advisor["office_id"],
        name=advisor["name"],
        email=advisor["email"],
        languages=list(advisor["languages"]),
        active=bool(advisor.get("active", True)),
        changed_at=ctx.now(),
    )
    plain = event.to_envelope(source=ev.SOURCE, subject=advisor["_id"], office=advisor["office_id"])
    return await ctx.vault.seal(plain, ev.AdvisorChanged, advisor["_id"])


async def renew_feed(ctx: Context, staff: Staff, office_id: str, advisor_id: str) -> Document:
    """A new private feed link for the advisor; the old one stops working."""
    if not works_at(staff, office_id):
        raise PermissionError("this key is not of this office")
    token = new_feed_token()
    advisor = await ctx.store.update_advisor(
        office_id, advisor_id, {"feed_token_hash": digest(token)}
    )
    if advisor is None:
        raise NotFound(advisor_id)
    return {"advisor_id": advisor_id, "feed_url": feed_url(ctx, token)}


# --- meetings ----------------------------------------------------------------------------------


def office_envelope(event: Event, subject: str, office: Document) -> Envelope:
    municipalities = office.get("municipalities") or [""]
    return event.to_envelope(
        source=ev.SOURCE, subject=subject, office=office["_id"], municipality=municipalities[0]
    )


def plan_fields(start: datetime, now: datetime) -> Document:
    """The booking fields that schedule its reminders (for a new or moved meeting)."""
    plan = model.reminder_plan(start, now)
    return {"reminders": list(plan.pending), "reminder_at": plan.next_at}


def meeting_ids(booking: Document) -> dict[str, str]:
    return {
        "booking_id": booking["_id"],
        "office_id": booking["office_id"],
        "case_id": booking["case_id"],
        "person_id": booking["person_id"],
    }


async def _fresh_slots(ctx: Context, office: Document, search: Search) -> list[Slot]:
    day = max(search.first, model.oslo_day(ctx.now()))
    fresh = Search(
        first=day,
        last=day + timedelta(days=FRESH_DAYS),
        meeting_type=search.meeting_type,
        now=ctx.now(),
        language=search.language,
        topic=search.topic,
        mode=search.mode,
        advisor_id=search.advisor_id,
        limit=FRESH_SLOTS,
    )
    return await search_slots(ctx, office, fresh)


async def _candidates(
    ctx: Context, office: Document, search: Search, start: datetime, prefer: str | None, ignore: str
) -> list[Slot]:
    advisors = await _advisors(ctx, office["_id"])
    busy, loads = await _busy_and_loads(ctx, advisors, search.first, search.last, ignore)
    return model.free_at(rules_of(office), advisors, busy, loads, search, start, prefer)


async def _claim_first(
    ctx: Context, office: Document, candidates: list[Slot], booking_id: str
) -> tuple[Slot, list[datetime]] | None:
    """Claim the first candidate the store lets us have (fairest first)."""
    buffer_minutes = rules_of(office).buffer_minutes
    for slot in candidates:
        cells = model.cells(slot.start, slot.end, buffer_minutes)
        if await ctx.store.claim(slot.advisor_id, cells, booking_id, ctx.now()):
            return slot, cells
    return None


async def book(
    ctx: Context, staff: Staff, office_id: str, form: forms.Booking, by: ev.Actor = "staff"
) -> Document:
    """Book a meeting at a free time: exactly one of two racing bookings wins (store claims)."""
    office = await office_for(ctx, staff, office_id)
    start, now = forms.as_utc(form.start), ctx.now()
    day = model.oslo_day(start)
    search = Search(
        first=day,
        last=day,
        meeting_type=form.meeting_type,
        now=now,
        language=form.language,
        topic=form.topic,
        mode=form.mode,
        advisor_id=form.advisor_id,
    )
    booking_id = str(uuid.uuid4())
    candidates = await _candidates(ctx, office, search, start, None, "")
    claimed = await _claim_first(ctx, office, candidates, booking_id)
    if claimed is None:
        raise SlotTaken(await _fresh_slots(ctx, office, search))
    slot, cells = claimed
    booking = {
        "_id": booking_id,
        "office_id": office_id,
        "case_id": form.case_id,
        "person_id": form.person_id,
        "advisor_id": slot.advisor_id,
        "meeting_type": form.meeting_type,
        "mode": slot.mode,
        "start": slot.start,
        "end": slot.end,
        "cells": cells,
        "claim_ids": [claim_id(slot.advisor_id, c) for c in cells],
        "status": "booked",
        **plan_fields(slot.start, now),
        "sequence": 0,
        "booked_by": by,
        "history": [{"status": "booked", "at": now, "by": staff.key_id}],
        "created_at": now,
        "updated_at": now,
    }
    booked = ev.MeetingBooked(
        **meeting_ids(booking),
        advisor_id=slot.advisor_id,
        meeting_type=form.meeting_type,
        mode=slot.mode,
        start=slot.start,
        end=slot.end,
        booked_by=by,
        booked_at=now,
    )
    await ctx.store.insert_booking(booking, [office_envelope(booked, booking_id, office)])
    ctx.notify()
    return booking


async def open_booking(ctx: Context, staff: Staff, office_id: str, booking_id: str) -> Document:
    if not works_at(staff, office_id):
        raise PermissionError("this key is not of this office")
    booking = await ctx.store.booking(office_id, booking_id)
    if booking is None:
        raise NotFound(booking_id)
    return booking


async def reschedule(
    ctx: Context,
    staff: Staff,
    office_id: str,
    booking_id: str,
    form: forms.Reschedule,
    by: ev.Actor = "staff",
) -> Document:
    """Move a booked meeting; the same advisor when they are free then, else the fairest."""
    office = await office_for(ctx, staff, office_id)
    booking = await open_booking(ctx, staff, office_id, booking_id)
    if booking["status"] != "booked":
        raise Conflict(f"the meeting is {booking['status']}; only a booked one can be moved")
    start, now = forms.as_utc(form.start), ctx.now()
    day = model.oslo_day(start)
    search = Search(
        first=day,
        last=day,
        meeting_type=booking["meeting_type"],
        now=now,
        mode=form.mode or booking["mode"],
        advisor_id=form.advisor_id,
    )
    candidates = await _candidates(
        ctx, office, search, start, booking["advisor_id"], ignore=booking_id
    )
    claimed = await _claim_first(ctx, office, candidates, booking_id)
    if claimed is None:
        raise SlotTaken(await _fresh_slots(ctx, office, search))
    slot, cells = claimed
    claim_ids = [claim_id(slot.advisor_id, c) for c in cells]
    moved = ev.MeetingRescheduled(
        **meeting_ids(booking),
        advisor_id=slot.advisor_id,
        previous_advisor_id=booking["advisor_id"],
        start=slot.start,
        end=slot.end,
        previous_start=booking["start"],
        rescheduled_by=by,
        rescheduled_at=now,
    )
    changed = await ctx.store.update_booking(
        booking_id,
        {"status": "booked", "start": booking["start"], "advisor_id": booking["advisor_id"]},
        {
            "$set": {
                "advisor_id": slot.advisor_id,
                "mode": slot.mode,
                "start": slot.start,
                **plan_fields(slot.start, now),
                "end": slot.end,
                "cells": cells,
                "claim_ids": claim_ids,
                "updated_at": now,
            },
            "$inc": {"sequence": 1},
            "$push": {"history": {"status": "rescheduled", "at": now, "by": staff.key_id}},
        },
        [office_envelope(moved, booking_id, office)],
    )
    if changed is None:  # moved or cancelled meanwhile: give back what we claimed
        current = await ctx.store.booking(office_id, booking_id) or {}
        await ctx.store.release_claims(booking_id, keep=current.get("claim_ids", []))
        raise Conflict("the meeting changed meanwhile; open it again")
    await ctx.store.release_claims(booking_id, keep=claim_ids)
    ctx.notify()
    return changed


async def _cancel(
    ctx: Context, office: Document, booking: Document, reason: str, by: ev.Actor, who: str
) -> Document | None:
    now = ctx.now()
    cancelled = ev.MeetingCancelled(
        **meeting_ids(booking),
        advisor_id=booking["advisor_id"],
        start=booking["start"],
        reason=reason,
        cancelled_by=by,
        cancelled_at=now,
    )
    changed = await ctx.store.update_booking(
        booking["_id"],
        {"status": "booked"},
        {
            "$set": {
                "status": "cancelled",
                "claim_ids": [],
                "updated_at": now,
                "reminders": [],
                "reminder_at": None,
            },
            "$inc": {"sequence": 1},
            "$push": {"history": {"status": "cancelled", "reason": reason, "at": now, "by": who}},
        },
        [office_envelope(cancelled, booking["_id"], office)],
    )
    # the claims go after the booking stopped listing them: a crash in between leaves stale
    # claims, which the next booking of that time removes
    await ctx.store.release_claims(booking["_id"])
    ctx.notify()
    return changed


async def cancel(
    ctx: Context,
    staff: Staff,
    office_id: str,
    booking_id: str,
    form: forms.Cancel,
    by: ev.Actor = "staff",
) -> Document:
    office = await office_for(ctx, staff, office_id)
    booking = await open_booking(ctx, staff, office_id, booking_id)
    if booking["status"] != "booked":
        raise Conflict(f"the meeting is {booking['status']} already")
    changed = await _cancel(ctx, office, booking, form.reason, by, staff.key_id)
    if changed is None:
        raise Conflict("the meeting changed meanwhile; open it again")
    return changed


async def mark(
    ctx: Context, staff: Staff, office_id: str, booking_id: str, outcome: str
) -> Document:
    """Staff record that a meeting was held, or that the person did not come (missed)."""
    office = await office_for(ctx, staff, office_id)
    booking = await open_booking(ctx, staff, office_id, booking_id)
    now = ctx.now()
    if booking["status"] != "booked":
        raise Conflict(f"the meeting is {booking['status']} already")
    if booking["start"] > now:
        raise RuleViolation("status", "a meeting can be marked once it has started")
    kind = ev.MeetingHeld if outcome == "held" else ev.MeetingMissed
    event = kind(
        **meeting_ids(booking),
        advisor_id=booking["advisor_id"],
        meeting_type=booking["meeting_type"],
        start=booking["start"],
        recorded_at=now,
    )
    changed = await ctx.store.update_booking(
        booking_id,
        {"status": "booked"},
        {
            "$set": {"status": outcome, "updated_at": now},
            "$push": {"history": {"status": outcome, "at": now, "by": staff.key_id}},
        },
        [office_envelope(event, booking_id, office)],
    )
    if changed is None:
        raise Conflict("the meeting changed meanwhile; open it again")
    ctx.notify()
    return changed


# --- intake's events -------------------------------------------------------------------------


async def offer_slots(ctx: Context, event: Event, envelope: Envelope) -> None:
    """A case opened: offer its earliest fitting free times, once per event."""
    assert isinstance(event, intake_events.CaseOpened)
    now = ctx.now()
    office = await ctx.store.office(event.office_id) or {"_id": event.office_id}
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
        "language": event.language,
        "mode": event.meeting_mode,
        "slots": [slot_out(slot) for slot in slots],
        "created_at": now,
    }
    if await ctx.store.insert_offer(offer, [office_envelope(offered, event.case_id, office)]):
        ctx.notify()


async def erase_person(ctx: Context, event: Event, envelope: Envelope) -> None:
    """scheduling keeps no personal data of the person (ids only); their upcoming meetings are
    cancelled, since nobody can come to them. Safe to repeat: only booked meetings change."""
    assert isinstance(event, intake_events.ErasureRequested)
    await ctx.store.mark_erased(event.person_id, ctx.now())  # their links stop working here
    for booking in await ctx.store.booked_of_person(event.person_id, ctx.now()):
        office = await ctx.store.office(booking["office_id"]) or {"_id": booking["office_id"]}
        await _cancel(ctx, office, booking, "erasure", "system", "erasure")


def slot_out(slot: Slot) -> Document:
    return {"start": slot.start, "end": slot.end, "advisor_id": slot.advisor_id, "mode": slot.mode}
