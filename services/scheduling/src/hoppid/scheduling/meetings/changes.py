"""A booked meeting changes: moved, cancelled, held or missed; each conditional on its state."""

from __future__ import annotations

from hoppid.contracts import scheduling as ev
from hoppid.scheduling import model
from hoppid.scheduling.context import (
    Context,
    Document,
    office_envelope,
    office_for,
)
from hoppid.scheduling.forms import as_utc
from hoppid.scheduling.meetings import forms, join_links
from hoppid.scheduling.meetings.booking import meeting_ids, open_booking, sealed
from hoppid.scheduling.meetings.model import Search
from hoppid.scheduling.meetings.search import SlotTaken, claim_first, free_candidates, fresh_slots
from hoppid.scheduling.meetings.store import Move, claim_id
from hoppid.scheduling.model import RuleViolation
from hoppid.shared.access import Staff
from hoppid.shared.problems import Conflict


async def _open_to_change(ctx: Context, staff: Staff, office_id: str, booking_id: str) -> Document:
    """The booking, unless the retention pass took its case and person away (a year after it):
    then it names no one its events could be about (docs/retention.md)."""
    booking = await open_booking(ctx, staff, office_id, booking_id)
    if booking.get("anonymised_at"):
        raise Conflict("the meeting is past its retention period and can no longer be changed")
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
    booking = await _open_to_change(ctx, staff, office_id, booking_id)
    if booking["status"] != "booked":
        raise Conflict(f"the meeting is {booking['status']}; only a booked one can be moved")
    start, now = as_utc(form.start), ctx.now()
    day = model.oslo_day(start)
    search = Search(
        first=day,
        last=day,
        meeting_type=booking["meeting_type"],
        now=now,
        mode=form.mode or booking["mode"],
        advisor_id=form.advisor_id,
    )
    candidates = await free_candidates(
        ctx, office, search, start, booking["advisor_id"], ignore=booking_id
    )
    claimed = await claim_first(ctx, office, candidates, booking_id)
    if claimed is None:
        raise SlotTaken(await fresh_slots(ctx, office, search))
    slot, cells = claimed
    claim_ids = [claim_id(slot.advisor_id, c) for c in cells]
    # a moved meeting keeps its link; one moved to digital gets one now
    join_url = booking.get("join_url") or join_links.make(office, slot.mode)
    moved = ev.MeetingRescheduled(
        **meeting_ids(booking),
        advisor_id=slot.advisor_id,
        previous_advisor_id=booking["advisor_id"],
        start=slot.start,
        end=slot.end,
        previous_start=booking["start"],
        rescheduled_by=by,
        rescheduled_at=now,
        mode=slot.mode,
        sequence=int(booking.get("sequence") or 0) + 1,
        join_url=join_url if slot.mode == "digital" else None,
    )
    plan = model.reminder_plan(slot.start, now)
    to = Move(
        advisor_id=slot.advisor_id,
        mode=slot.mode,
        start=slot.start,
        end=slot.end,
        cells=cells,
        claim_ids=claim_ids,
        join_url=join_url,
        reminders=plan.pending,
        reminder_at=plan.next_at,
    )
    envelope = await sealed(ctx, office_envelope(moved, booking_id, office), moved)
    changed = await ctx.meeting_store.move_booking(booking, to, staff.key_id, now, [envelope])
    if changed is not None:
        await ctx.busy.record(changed)  # searches see it moved before its mark goes
    # its document has its cells, or it changed meanwhile
    await ctx.meeting_store.written(booking_id)
    if changed is None:  # moved or cancelled meanwhile: give back what we claimed
        current = await ctx.meeting_store.booking(office_id, booking_id) or {}
        await ctx.meeting_store.release_claims(booking_id, keep=current.get("claim_ids", []))
        raise Conflict("the meeting changed meanwhile; open it again")
    await ctx.meeting_store.release_claims(booking_id, keep=claim_ids)
    ctx.notify()
    return changed


async def cancel_meeting(
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
        sequence=int(booking.get("sequence") or 0) + 1,
    )
    envelope = office_envelope(cancelled, booking["_id"], office)
    changed = await ctx.meeting_store.cancel_booking(booking, reason, who, now, [envelope])
    if changed is not None:
        await ctx.busy.record(changed)  # its time shows free again
    # the claims go after the booking stopped listing them: a crash in between leaves stale
    # claims, which the next booking of that time removes
    await ctx.meeting_store.release_claims(booking["_id"])
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
    booking = await _open_to_change(ctx, staff, office_id, booking_id)
    if booking["status"] != "booked":
        raise Conflict(f"the meeting is {booking['status']} already")
    changed = await cancel_meeting(ctx, office, booking, form.reason, by, staff.key_id)
    if changed is None:
        raise Conflict("the meeting changed meanwhile; open it again")
    return changed


async def mark(
    ctx: Context, staff: Staff, office_id: str, booking_id: str, outcome: str
) -> Document:
    """Staff record that a meeting was held, or that the person did not come (missed)."""
    office = await office_for(ctx, staff, office_id)
    booking = await _open_to_change(ctx, staff, office_id, booking_id)
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
    envelope = office_envelope(event, booking_id, office)
    meetings = ctx.meeting_store
    changed = await meetings.record_outcome(booking_id, outcome, staff.key_id, now, [envelope])
    if changed is None:
        raise Conflict("the meeting changed meanwhile; open it again")
    ctx.notify()
    return changed
