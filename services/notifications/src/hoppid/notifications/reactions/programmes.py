"""Scheduling's group programmes and office seats: messages to the person, and who is seated.

Enrolment events tell the person their place (seated, waiting, promoted from the waitlist), or
that it ended because the office cancelled the programme. The places are kept
(hoppid.notifications.copies.programmes) so that a session reminder, which names the programme
and not its people, reaches each seated person once (one delivery per reminder event and
person), and new session times (programme.changed) each seated or waiting person.
"""

from __future__ import annotations

from datetime import datetime

from hoppid.contracts import scheduling as sched
from hoppid.notifications.composition import programme_messages
from hoppid.notifications.context import Context
from hoppid.notifications.copies import people, programmes
from hoppid.notifications.copies.programmes import Enrolment
from hoppid.notifications.delivery.deliveries import deliver
from hoppid.notifications.model import Outgoing
from hoppid.shared.envelope import Envelope

MESSAGES = {
    sched.ProgrammeEnrolled: ("programme_enrolled", "seated"),
    sched.ProgrammeWaitlisted: ("programme_waitlisted", "waiting"),
    sched.ProgrammePromoted: ("programme_promoted", "seated"),
}


async def enrolment_changed(ctx: Context, event: Enrolment, envelope: Envelope) -> None:
    message, status = MESSAGES[type(event)]
    await programmes.keep(ctx.store, event, status, _time_of(event))
    person = await _person(ctx, event.person_id, envelope)
    await _deliver(ctx, programme_messages.enrolment(message, event, person, envelope.id))


async def enrolment_cancelled(
    ctx: Context, event: sched.ProgrammeEnrolmentCancelled, envelope: Envelope
) -> None:
    """A place ended. The person is told only when the office cancelled the whole programme:
    one enrolment's cancellation is their own doing or the office's talk with them."""
    await programmes.keep(ctx.store, event, "cancelled", event.cancelled_at)
    if event.reason == "programme_cancelled":
        person = await _person(ctx, event.person_id, envelope)
        await _deliver(ctx, programme_messages.programme_cancelled(event, person, envelope.id))


async def programme_changed(
    ctx: Context, event: sched.ProgrammeChanged, envelope: Envelope
) -> None:
    """New session times go to everyone holding a place, seated or waiting, from the kept
    enrolments (the event names no people; they came before it on the programme's key). A
    capacity alone tells nobody: those it seats get their own programme.promoted."""
    if "sessions" not in event.changed:
        return
    for enrolment in await programmes.holding(ctx.store, event.programme_id):
        person_id = enrolment.get("person_id")
        if person_id:
            person = await people.find(ctx.store, ctx.vault, person_id)
            await deliver(
                ctx, programme_messages.programme_changed(event, person_id, person, envelope.id)
            )


async def session_reminder(
    ctx: Context, event: sched.SessionReminderDue, envelope: Envelope
) -> None:
    """To every seated person of the programme (a school class has no person: skipped)."""
    for enrolment in await programmes.seated(ctx.store, event.programme_id):
        person_id = enrolment.get("person_id")
        if person_id:
            person = await people.find(ctx.store, ctx.vault, person_id)
            await deliver(
                ctx, programme_messages.session_reminder(event, person_id, person, envelope.id)
            )


async def seat_booked(ctx: Context, event: sched.SeatBooked, envelope: Envelope) -> None:
    person = await _person(ctx, event.person_id, envelope)
    await _deliver(ctx, programme_messages.seat_booked(event, person, envelope.id))


def _time_of(event: Enrolment) -> datetime:
    if isinstance(event, sched.ProgrammeEnrolled):
        return event.enrolled_at
    if isinstance(event, sched.ProgrammeWaitlisted):
        return event.waitlisted_at
    return event.promoted_at


async def _person(ctx: Context, person_id: str | None, envelope: Envelope) -> people.Person | None:
    return await people.find_awaited(ctx, person_id, envelope) if person_id else None


async def _deliver(ctx: Context, out: Outgoing | None) -> None:
    if out is not None:
        await deliver(ctx, out)
