"""Scheduling's meetings: offered times and a meeting's booking, move, cancellation and reminders.

Scheduling's events name the person by id only; their address and language come from the copy
kept from intake (hoppid.notifications.copies.people). Each meeting event first updates
notifications's own record of the booking (for the calendar file's SEQUENCE and what a later
event leaves out), then goes through the same claim-once delivery as every message.

A booked meeting is also mailed to its advisor (found in hoppid.notifications.copies.advisors),
and the booking record keeps the advisor, so it doubles as the daily digest's read model of
meetings (hoppid.notifications.delivery.digests).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from hoppid.contracts import scheduling as sched
from hoppid.notifications.composition import ics, messages, staff_messages
from hoppid.notifications.context import Context
from hoppid.notifications.copies import advisors, people
from hoppid.notifications.copies.offices import office_view
from hoppid.notifications.delivery.deliveries import deliver, suppress
from hoppid.notifications.model import Outgoing
from hoppid.notifications.reactions.together import together
from hoppid.shared.clock import as_utc
from hoppid.shared.envelope import Envelope


async def slots_offered(ctx: Context, event: sched.SlotsOffered, envelope: Envelope) -> None:
    person = await people.find_awaited(ctx, event.person_id, envelope)
    base_url = ctx.settings.booking_base_url
    await deliver(ctx, messages.slots_offered(event, person, base_url, envelope.id))


async def meeting_booked(ctx: Context, event: sched.MeetingBooked, envelope: Envelope) -> None:
    changes = {
        "start": event.start,
        "end": event.end,
        "mode": event.mode,
        "advisor_id": event.advisor_id,  # the digest's read model of meetings
        "meeting_type": event.meeting_type,
        "join_url": event.join_url,  # a digital meeting's own link (None: none, or unreadable)
    }
    await together(  # the person's mail and the advisor's do not wait for each other
        _notify(ctx, event, envelope, changes, "meeting_booked", "REQUEST", event.booked_at),
        _mail_advisor(ctx, event, envelope),
    )


async def _mail_advisor(ctx: Context, event: sched.MeetingBooked, envelope: Envelope) -> None:
    """Mail to the advisor the meeting is with (suppressed when the advisor is not known)."""
    advisor = await advisors.find(ctx.store, ctx.vault, event.advisor_id)
    await deliver(ctx, staff_messages.meeting_booked(event, advisor, envelope.id))


async def meeting_rescheduled(
    ctx: Context, event: sched.MeetingRescheduled, envelope: Envelope
) -> None:
    changes: dict[str, Any] = {"start": event.start, "end": event.end}
    changes["advisor_id"] = event.advisor_id
    if event.mode is not None:  # older events leave the mode (and link) as they were
        changes["mode"] = event.mode
    if event.join_url is not None:
        changes["join_url"] = event.join_url
    await _notify(
        ctx,
        event,
        envelope,
        changes,
        "meeting_rescheduled",
        "REQUEST",
        event.rescheduled_at,
        previous_start=event.previous_start,
    )


async def meeting_cancelled(
    ctx: Context, event: sched.MeetingCancelled, envelope: Envelope
) -> None:
    changes = {"start": event.start, "cancelled": True, "join_url": None}  # not shown again
    if event.reason == "erasure":
        # scheduling cancels an erased person's meetings itself: the erasure's confirmation is
        # their last message. intake's erasure.requested comes on another topic, so this may be
        # read before it, while the person's copy is still there (a CI failure): not mailed
        await ctx.store.booking_version(
            event.booking_id,
            envelope.id,
            {"office_id": event.office_id, "case_id": event.case_id, **changes},
            event.sequence,
        )
        await suppress(ctx, _cancelled_for_erasure(event, envelope), "erased")
        return
    await _notify(ctx, event, envelope, changes, "meeting_cancelled", "CANCEL", event.cancelled_at)


async def _notify(
    ctx: Context,
    event: sched.MeetingBooked | sched.MeetingRescheduled | sched.MeetingCancelled,
    envelope: Envelope,
    changes: dict[str, Any],
    message: str,
    method: ics.Method,
    stamp: datetime,
    previous_start: datetime | None = None,
) -> None:
    ids = {"office_id": event.office_id, "case_id": event.case_id, "person_id": event.person_id}
    booking, person = await asyncio.gather(
        ctx.store.booking_version(
            event.booking_id, envelope.id, {**ids, **changes}, event.sequence
        ),
        people.find_awaited(ctx, event.person_id, envelope),
    )
    meeting = messages.MeetingVersion(
        booking_id=event.booking_id,
        office_id=event.office_id,
        case_id=event.case_id,
        person_id=event.person_id,
        sequence=int(booking["sequence"]),
        start=changes["start"],
        end=as_utc(end) if (end := booking.get("end")) else None,  # the event's, or as stored
        mode=booking.get("mode", ""),
        join_url=str(booking.get("join_url") or "") if booking.get("mode") == "digital" else "",
        stamp=stamp,
        previous_start=previous_start,
    )
    office = await office_view(ctx.store, event.office_id, ctx.settings.sender_address)
    organizer = ctx.settings.smtp_for(event.office_id).from_address
    out = messages.meeting_notice(message, method, meeting, person, office, organizer, envelope.id)
    await deliver(ctx, out)


async def reminder_due(ctx: Context, event: sched.ReminderDue, envelope: Envelope) -> None:
    person, booking = await asyncio.gather(
        people.find(ctx.store, ctx.vault, event.person_id),
        ctx.store.booking(event.booking_id),  # the join link, kept from booked / rescheduled
    )
    join_url = str((booking or {}).get("join_url") or "") if event.mode == "digital" else ""
    await deliver(ctx, messages.meeting_reminder(event, person, envelope.id, join_url))


def _cancelled_for_erasure(event: sched.MeetingCancelled, envelope: Envelope) -> Outgoing:
    """The person's cancellation notice, made without their copy: it is only recorded."""
    return messages.to_person(
        "meeting_cancelled", event.person_id, None, event.office_id, envelope.id, {}, event.case_id
    )
