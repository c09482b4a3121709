"""Reactions to intake's office events: the office's name, municipalities, languages and
contact as intake says, once per event."""

from __future__ import annotations

from hoppid.contracts import intake as intake_events
from hoppid.scheduling.context import Context, Document
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.events.base import expected


def _office_fields(event: intake_events.OfficeChanged) -> Document:
    return {
        "name": event.name,
        "municipalities": event.municipalities,
        "languages": event.languages,
        "contact_email": event.contact_email,
        "changed_at": event.changed_at,
    }


async def learn_office(ctx: Context, event: Event, envelope: Envelope) -> None:
    event = expected(event, intake_events.OfficeChanged)
    await ctx.office_store.learn_office(event.office_id, _office_fields(event), envelope.id)
    ctx.offices.forget(event.office_id)
