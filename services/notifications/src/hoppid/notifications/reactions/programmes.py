"""Scheduling's group programmes and office seats: messages to the person, and who is seated.

Enrolment events tell the person their place (seated, waiting, promoted from the waitlist); the
seats they take are kept (hoppid.notifications.copies.programmes) so that a session reminder,
which names the programme and not its people, reaches each seated person once (one delivery
per reminder event and person).
"""

from __future__ import annotations

from datetime import datetime

from hoppid.notifications.composition import programme_messages
from hoppid.notifications.context import Context
from hoppid.notifications.copies import people, programmes
from hoppid.notifications.copies.programmes import Enrolment
from hoppid.notifications.delivery.deliveries import deliver
from hoppid.notifications.model import Outgoing
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import scheduling as sched

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


async def enrolment_cancelled(ctx: Context, event: sched.ProgrammeEnrolmentCancelled) -> None:
    await programmes.keep(ctx.store, event, "cancelled", event.cancelled_at)


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
