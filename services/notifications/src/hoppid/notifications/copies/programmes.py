"""Who holds a place in each group programme, kept from scheduling's enrolment events
(collection ``enrolments``: ids and status only, no personal data), so that a session
reminder, which names the programme and not its people, reaches each seated person."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hoppid.contracts import scheduling as sched
from hoppid.notifications.copies.store import ENROLMENTS, Copies

Enrolment = sched.ProgrammeEnrolled | sched.ProgrammeWaitlisted | sched.ProgrammePromoted


async def keep(
    store: Copies,
    event: Enrolment | sched.ProgrammeEnrolmentCancelled,
    status: str,
    at: datetime,
) -> None:
    """The enrolment as of this event (seated, waiting, cancelled); an older one changes
    nothing."""
    document = {
        "_id": event.enrolment_id,
        "programme_id": event.programme_id,
        "office_id": event.office_id,
        "person_id": event.person_id,
        "status": status,
    }
    await store.save_if_newer(ENROLMENTS, document, at)


async def seated(store: Copies, programme_id: str) -> list[dict[str, Any]]:
    """The programme's seated enrolments."""
    return await store.seated_enrolments(programme_id)


async def holding(store: Copies, programme_id: str) -> list[dict[str, Any]]:
    """The programme's enrolments that hold a place: seated or waiting."""
    return await store.holding_enrolments(programme_id)
