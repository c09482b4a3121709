"""Offices: the packaged ones, their scheduling settings and their private calendar feed.

The office's feed lists every meeting of the office, for its shared calendar. Like an advisor's
feed, the link carries a random token and only its SHA-256 is stored; asking for a new link ends
the old one. Office admins manage the settings and the feed.
"""

from __future__ import annotations

from hoppid.scheduling.access import administers, digest, new_feed_token
from hoppid.scheduling.context import (
    Context,
    Document,
    feed_url,
    office_for,
)
from hoppid.scheduling.model import RuleViolation
from hoppid.scheduling.offices import forms
from hoppid.scheduling.offices.rules import check_durations
from hoppid.shared.access import Staff
from hoppid.shared.problems import NotFound
from hoppid.shared.tenancy import OfficeRegistry


async def seed_offices(ctx: Context, registry: OfficeRegistry) -> None:
    """The packaged offices, so scheduling works before intake's first office event arrives."""
    for office in registry:
        await ctx.office_store.seed_office(
            {
                "_id": office.id,
                "name": office.name,
                "municipalities": list(office.municipalities),
                "languages": list(office.languages),
                "contact_email": str(office.contact_email),
            }
        )
    # at a start (after a crash, too): every office's busy times agree with its bookings
    for known in await ctx.office_store.offices():
        await ctx.busy.reconcile(known["_id"], ctx.now())


async def save_office_settings(
    ctx: Context, staff: Staff, office_id: str, form: forms.OfficeSettings
) -> Document:
    if not administers(staff, office_id):
        raise PermissionError("not an admin of this office")
    await office_for(ctx, staff, office_id)
    check_durations(
        {
            "first_guidance_minutes": form.first_guidance_minutes,
            "follow_up_minutes": form.follow_up_minutes,
        },
        form.buffer_minutes,
    )
    for opening in form.opening_hours:
        if opening.closes <= opening.opens:
            raise RuleViolation("opening_hours", "an office must close after it opens")
    office = await ctx.office_store.set_office_settings(office_id, form.model_dump(mode="json"))
    ctx.offices.forget(office_id)
    if office is None:
        raise NotFound(office_id)
    return office


async def renew_office_feed(ctx: Context, staff: Staff, office_id: str) -> Document:
    """A new private feed link of the office's meetings; the old one stops working."""
    if not administers(staff, office_id):
        raise PermissionError("only the office's admins manage its calendar feed")
    token = new_feed_token()
    if not await ctx.office_store.set_office_feed(office_id, digest(token)):
        raise NotFound(office_id)
    return {"office_id": office_id, "feed_url": feed_url(ctx, token)}
