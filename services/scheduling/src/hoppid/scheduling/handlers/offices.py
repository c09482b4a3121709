"""Offices: the packaged ones, intake's changes to them, their scheduling settings."""

from __future__ import annotations

from hoppid.scheduling import forms, model
from hoppid.scheduling.access import administers
from hoppid.scheduling.handlers.common import (
    Context,
    Document,
    NotFound,
    office_for,
)
from hoppid.scheduling.model import RuleViolation
from hoppid.shared.access import Staff
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.events import intake as intake_events
from hoppid.shared.tenancy import OfficeRegistry


def _office_fields(event: intake_events.OfficeChanged) -> Document:
    return {
        "name": event.name,
        "municipalities": event.municipalities,
        "languages": event.languages,
        "contact_email": event.contact_email,
        "changed_at": event.changed_at,
    }


async def seed_offices(ctx: Context, registry: OfficeRegistry) -> None:
    """The packaged offices, so scheduling works before intake's first office event arrives."""
    for office in registry:
        await ctx.store.seed_office(
            {
                "_id": office.id,
                "name": office.name,
                "municipalities": list(office.municipalities),
                "languages": list(office.languages),
                "contact_email": str(office.contact_email),
            }
        )
    # at a start (after a crash, too): every office's busy times agree with its bookings
    for known in await ctx.store.offices():
        await ctx.busy.reconcile(known["_id"], ctx.now())


async def learn_office(ctx: Context, event: Event, envelope: Envelope) -> None:
    assert isinstance(event, intake_events.OfficeChanged)
    await ctx.store.learn_office(event.office_id, _office_fields(event), envelope.id)
    ctx.offices.forget(event.office_id)


async def save_office_settings(
    ctx: Context, staff: Staff, office_id: str, form: forms.OfficeSettings
) -> Document:
    if not administers(staff, office_id):
        raise PermissionError("not an admin of this office")
    await office_for(ctx, staff, office_id)
    model.check_durations(
        {
            "first_guidance_minutes": form.first_guidance_minutes,
            "follow_up_minutes": form.follow_up_minutes,
        },
        form.buffer_minutes,
    )
    for opening in form.opening_hours:
        if opening.closes <= opening.opens:
            raise RuleViolation("opening_hours", "an office must close after it opens")
    office = await ctx.store.set_office_settings(office_id, form.model_dump(mode="json"))
    ctx.offices.forget(office_id)
    if office is None:
        raise NotFound(office_id)
    return office
