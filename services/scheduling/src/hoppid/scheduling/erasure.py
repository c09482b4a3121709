"""An erased person's places are released (intake's ``erasure.requested``).

scheduling keeps no personal data of the person (ids only), but their places would stay taken:
their upcoming meetings are cancelled (the advisor's time is free again), their seats in
programmes not yet over are released, the first waiting promoted exactly as a normal
cancellation does (the same events, so notifications sends the same mails), their waitlist
places are dropped, and their desk bookings not yet over are released. Every step changes only
what is still taken, each conditionally, so a redelivered event changes nothing more; a step
that lost a race to another change raises, and the consumer runs the whole again.
"""

from __future__ import annotations

from datetime import datetime

from hoppid.contracts import intake as intake_events
from hoppid.scheduling.context import Document
from hoppid.scheduling.desks import use_cases as desk_use
from hoppid.scheduling.desks.use_cases import Desks
from hoppid.scheduling.meetings import handlers as meeting_handlers
from hoppid.scheduling.programmes import use_cases as programme_use
from hoppid.scheduling.programmes.store import Contended, Decide
from hoppid.scheduling.programmes.use_cases import Programmes
from hoppid.shared.consumer import TransientError
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.events.base import expected
from hoppid.shared.problems import NotFound


class NotYetReleased(TransientError):
    """Something of the person changed meanwhile and is still taken: try the event again."""


async def erase_person(
    programmes: Programmes, desks: Desks, event: Event, envelope: Envelope
) -> None:
    event = expected(event, intake_events.ErasureRequested)
    ctx = programmes.ctx
    await meeting_handlers.erase_person(
        ctx, event, envelope
    )  # their links stop; meetings cancelled
    if await ctx.meeting_store.booked_of_person(event.person_id, ctx.now()):
        raise NotYetReleased(f"a meeting of {event.person_id} changed meanwhile")
    await release_enrolments(programmes, event.person_id)
    await release_desks(desks, event.person_id)


async def release_enrolments(programmes: Programmes, person_id: str) -> None:
    """Cancel the person's seats and waitlist places in programmes not yet over."""
    now = programmes.ctx.now()
    for programme in await programmes.store.of_person(person_id):
        if max(s["end"] for s in programme["sessions"]) <= now:
            continue  # over: their attendance stays counted, nobody can take the seat
        office = await programmes.ctx.office_store.office(programme["office_id"]) or {
            "_id": programme["office_id"]
        }
        for entry in programme["seats"] + programme["waiting"]:
            if entry["person_id"] != person_id:
                continue
            try:
                await programmes.store.change(programme["_id"], _cancel(office, entry["id"], now))
            except NotFound:
                continue  # cancelled meanwhile (a second delivery, or staff)
            except Contended as error:
                raise NotYetReleased(f"programme {programme['_id']} kept changing") from error
    programmes.ctx.notify()


def _cancel(office: Document, enrolment_id: str, now: datetime) -> Decide:
    return lambda programme: programme_use.decide_cancel(
        programme, office, enrolment_id, "system", now
    )


async def release_desks(desks: Desks, person_id: str) -> None:
    """Release the person's desk bookings (booked or checked in) whose half day is not over."""
    now = desks.ctx.now()
    for booking in await desks.store.of_person(person_id):
        if booking["status"] not in ("booked", "checked_in") or desk_use.ended(booking, now):
            continue
        office = await desks.ctx.office_store.office(booking["office_id"]) or {
            "_id": booking["office_id"]
        }
        if await desk_use.release_of_erased(desks, office, booking) is None:
            raise NotYetReleased(f"desk booking {booking['_id']} changed meanwhile")
    desks.ctx.notify()
