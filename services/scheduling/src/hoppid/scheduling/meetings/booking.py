"""Booking a meeting (exactly one of racing bookings wins) and opening one."""

from __future__ import annotations

import uuid
from datetime import datetime

from hoppid.contracts import scheduling as ev
from hoppid.scheduling import model
from hoppid.scheduling.access import works_at
from hoppid.scheduling.context import (
    Context,
    Document,
    check_owners,
    office_envelope,
    office_for,
)
from hoppid.scheduling.forms import as_utc
from hoppid.scheduling.meetings import forms, join_links
from hoppid.scheduling.meetings.model import Search
from hoppid.scheduling.meetings.search import SlotTaken, claim_first, free_candidates, fresh_slots
from hoppid.scheduling.meetings.store import claim_id
from hoppid.shared.access import Staff
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.problems import NotFound


def plan_fields(start: datetime, now: datetime) -> Document:
    """The booking fields that schedule its reminders (for a new or moved meeting)."""
    plan = model.reminder_plan(start, now)
    return {"reminders": list(plan.pending), "reminder_at": plan.next_at}


async def sealed(ctx: Context, envelope: Envelope, event: Event) -> Envelope:
    """A meeting event with its join link sealed with the person's key (a secret of the meeting:
    never on a partner topic, unreadable after erasure); as it is without a link."""
    if getattr(event, "join_url", None) is None:
        return envelope
    return await ctx.vault.seal(envelope, type(event), str(getattr(event, "person_id", "")))


def meeting_ids(booking: Document) -> dict[str, str]:
    return {
        "booking_id": booking["_id"],
        "office_id": booking["office_id"],
        "case_id": booking["case_id"],
        "person_id": booking["person_id"],
    }


async def book(
    ctx: Context, staff: Staff, office_id: str, form: forms.Booking, by: ev.Actor = "staff"
) -> Document:
    """Book a meeting at a free time: exactly one of two racing bookings wins (store claims)."""
    office = await office_for(ctx, staff, office_id)
    await check_owners(ctx, office_id, form.case_id, form.person_id, by)
    start, now = as_utc(form.start), ctx.now()
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
    candidates = await free_candidates(ctx, office, search, start, None, "")
    claimed = await claim_first(ctx, office, candidates, booking_id)
    if claimed is None:
        raise SlotTaken(await fresh_slots(ctx, office, search))
    slot, cells = claimed
    join_url = join_links.make(office, slot.mode)
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
        **({"join_url": join_url} if join_url else {}),
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
        sequence=0,
        join_url=join_url,
    )
    envelope = await sealed(ctx, office_envelope(booked, booking_id, office), booked)
    await ctx.meeting_store.insert_booking(booking, [envelope])
    await ctx.busy.record(booking, changed=False)  # shown booked before its mark goes
    await ctx.meeting_store.written(booking_id)
    ctx.notify()
    return booking


async def open_booking(ctx: Context, staff: Staff, office_id: str, booking_id: str) -> Document:
    if not works_at(staff, office_id):
        raise PermissionError("this key is not of this office")
    booking = await ctx.meeting_store.booking(office_id, booking_id)
    if booking is None:
        raise NotFound(booking_id)
    return booking
