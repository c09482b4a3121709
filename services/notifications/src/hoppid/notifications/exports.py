"""notifications's part of a person's export (intake's ``person.export_requested``).

What notifications holds about the person: the contact copy it writes to (name, address,
language, office; never the link token it keeps, a credential), their message preferences,
and every message to them (which message, channel, address, subject, language, status and
times; the text is dropped once a message is sent, so it is not there). The part goes back on
``hoppid.notifications`` as ``person_export.answered``, sealed with the person's key, through
an outbox: the answer is a document of its own (``person_exports``, keyed by the export id),
so a redelivered request publishes nothing again. An erased person gets no part (intake's key
is destroyed: the seal refuses).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.encoders import jsonable_encoder

from hoppid.contracts import intake as intake_events
from hoppid.contracts import notifications as ev
from hoppid.notifications.context import Context
from hoppid.notifications.copies import people
from hoppid.shared.envelope import Envelope
from hoppid.shared.export_answers import INDEXES as INDEXES  # the service's wiring reads
from hoppid.shared.export_answers import PERSON_EXPORTS as PERSON_EXPORTS  # these two here

# what a message's export shows (never its content: it may hold the person's link)
MESSAGE_FIELDS = (
    "message",
    "channel",
    "to",
    "subject",
    "language",
    "status",
    "reason",
    "case_id",
    "office_id",
    "created_at",
    "scheduled_for",
    "sent_at",
    "failed_at",
)


async def part_of(ctx: Context, person_id: str) -> dict[str, Any]:
    """Everything notifications holds about the person, as plain JSON values."""
    person = await people.find(ctx.store, ctx.vault, person_id)
    contact = None
    if person is not None:
        contact = {
            "name": person.name,
            "email": person.email,
            "language": person.language,
            "office_id": person.office_id,
        }
    preferences = await ctx.store.preferences(person_id)
    messages = sorted(
        await ctx.store.deliveries_of_person(person_id), key=lambda d: str(d.get("created_at"))
    )
    part: dict[str, Any] = jsonable_encoder(
        {
            "contact": contact,
            "preferences": (preferences or {}).get("non_essential"),
            "messages": [
                {"id": d["_id"], **{k: d.get(k) for k in MESSAGE_FIELDS if k in d}}
                for d in messages
            ],
        }
    )
    return part


async def answer(
    ctx: Context, event: intake_events.PersonExportRequested, envelope: Envelope
) -> None:
    """Answer an export request once: the part, sealed, through this answer's outbox."""
    if await ctx.store.export_answered(event.export_id):
        return  # answered before (a redelivery)
    part = await part_of(ctx, event.person_id)
    answered = ev.NotificationsExportAnswered(
        export_id=event.export_id,
        person_id=event.person_id,
        answered_at=ctx.now(),
        part=json.dumps(part, ensure_ascii=False),
    )
    model = ev.NotificationsExportAnswered
    if await ctx.store.keep_export_answer(ctx.vault, answered, model, ev.SOURCE):
        ctx.notify()
