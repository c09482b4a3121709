"""scheduling's part of a person's export (intake's ``person.export_requested``).

What scheduling holds about the person: the times offered for their cases, their meetings,
their places in programmes (seated or waiting, with the sessions and their attendance, never
the other participants) and their desk bookings. The part goes back on ``hoppid.scheduling``
as ``person_export.answered``, sealed with the person's key, through an outbox: the answer is
a document of its own (``person_exports``, keyed by the export id), so a redelivered request
inserts nothing and publishes nothing again. An erased person (their key destroyed) gets no
part: the seal refuses, and intake shows the part as missing.
"""

from __future__ import annotations

import json

from fastapi.encoders import jsonable_encoder

from hoppid.contracts import intake as intake_events
from hoppid.contracts import scheduling as ev
from hoppid.scheduling.context import Document
from hoppid.scheduling.desks.use_cases import Desks
from hoppid.scheduling.programmes.use_cases import Programmes
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.events.base import expected
from hoppid.shared.export_answers import INDEXES as INDEXES  # the service's wiring reads
from hoppid.shared.export_answers import PERSON_EXPORTS as PERSON_EXPORTS  # these two here
from hoppid.shared.outbox import OUTBOX_FIELDS

_BOOKKEEPING = {"applied_events", "people", *OUTBOX_FIELDS}


async def part_of(programmes: Programmes, desks: Desks, person_id: str) -> Document:
    """Everything scheduling holds about the person, as plain JSON values."""
    meetings = programmes.ctx.meeting_store
    places = await programmes.store.of_person(person_id)
    part: Document = jsonable_encoder(
        {
            "offered_times": [_plain(o) for o in await meetings.offers_of_person(person_id)],
            "meetings": [_plain(b) for b in await meetings.bookings_of_person(person_id)],
            "programmes": [_my_place(p, person_id) for p in places],
            "desk_bookings": [_plain(b) for b in await desks.store.of_person(person_id)],
        }
    )
    return part


def _plain(document: Document) -> Document:
    return {("id" if k == "_id" else k): v for k, v in document.items() if k not in _BOOKKEEPING}


def _my_place(programme: Document, person_id: str) -> Document:
    """The programme with the person's own places only (seated or waiting) and their
    attendance: nobody else's enrolment."""
    seated = [e for e in programme.get("seats", []) if e.get("person_id") == person_id]
    waiting = [e for e in programme.get("waiting", []) if e.get("person_id") == person_id]
    mine = {e["id"] for e in seated}
    attended = [
        session
        for session, marked in (programme.get("attendance") or {}).items()
        if mine & set(marked)
    ]
    keep = ("kind", "title", "partner_city", "office_id", "sessions")
    return {
        "id": programme["_id"],
        **{k: programme.get(k) for k in keep},
        "seated": seated,
        "waiting": waiting,
        "attended_sessions": attended,
    }


async def answer(programmes: Programmes, desks: Desks, event: Event, envelope: Envelope) -> None:
    """Answer an export request once: the part, sealed, through this answer's outbox."""
    event = expected(event, intake_events.PersonExportRequested)
    ctx = programmes.ctx
    if await ctx.store.export_answered(event.export_id):
        return  # answered before (a redelivery)
    part = await part_of(programmes, desks, event.person_id)
    answered = ev.SchedulingExportAnswered(
        export_id=event.export_id,
        person_id=event.person_id,
        answered_at=ctx.now(),
        part=json.dumps(part, ensure_ascii=False),
    )
    model = ev.SchedulingExportAnswered
    if await ctx.store.keep_export_answer(ctx.vault, answered, model, ev.SOURCE):
        ctx.notify()
