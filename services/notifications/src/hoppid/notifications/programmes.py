"""Scheduling's group programmes and office seats: messages to the person, and who is seated.

Enrolment events tell the person their place (seated, waiting, promoted from the waitlist); the
seats they take are kept (collection ``enrolments``: ids and status only, no personal data) so
that a session reminder, which names the programme and not its people, reaches each seated
person once (one delivery per reminder event and person).
"""

from __future__ import annotations

from datetime import datetime

from hoppid.notifications import group_messages, people
from hoppid.notifications.delivery import Context, deliver
from hoppid.notifications.model import Outgoing
from hoppid.notifications.store import ENROLMENTS
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import scheduling as sched

MESSAGES = {
    sched.ProgrammeEnrolled: ("programme_enrolled", "seated"),
    sched.ProgrammeWaitlisted: ("programme_waitlisted", "waiting"),
    sched.ProgrammePromoted: ("programme_promoted", "seated"),
}


async def enrolment_changed(
    ctx: Context, event: group_messages.Enrolment, envelope: Envelope
) -> None:
    message, status = MESSAGES[type(event)]
    await _keep(ctx, event, status, _time_of(event))
    person = await _person(ctx, event.person_id, envelope)
    await _deliver(ctx, group_messages.enrolment(message, event, person, envelope.id))


async def enrolment_cancelled(ctx: Context, event: sched.ProgrammeEnrolmentCancelled) -> None:
    await _keep(ctx, event, "cancelled", event.cancelled_at)


async def session_reminder(
    ctx: Context, event: sched.SessionReminderDue, envelope: Envelope
) -> None:
    """To every seated person of the programme (a school class has no person: skipped)."""
    seated = await ctx.store.find_all(
        ENROLMENTS, {"programme_id": event.programme_id, "status": "seated"}
    )
    for enrolment in seated:
        person_id = enrolment.get("person_id")
        if person_id:
            person = await people.find(ctx.store, ctx.vault, person_id)
            await deliver(
                ctx, group_messages.session_reminder(event, person_id, person, envelope.id)
            )


async def seat_booked(ctx: Context, event: sched.SeatBooked, envelope: Envelope) -> None:
    person = await _person(ctx, event.person_id, envelope)
    await _deliver(ctx, group_messages.seat_booked(event, person, envelope.id))


async def _keep(
    ctx: Context,
    event: group_messages.Enrolment | sched.ProgrammeEnrolmentCancelled,
    status: str,
    at: datetime,
) -> None:
    document = {
        "_id": event.enrolment_id,
        "programme_id": event.programme_id,
        "office_id": event.office_id,
        "person_id": event.person_id,
        "status": status,
    }
    await ctx.store.save_if_newer(ENROLMENTS, document, at)


def _time_of(event: group_messages.Enrolment) -> datetime:
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
