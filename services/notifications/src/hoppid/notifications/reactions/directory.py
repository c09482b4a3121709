"""The directory's events: an office changed (intake), an advisor changed (scheduling). Each
only updates its copy: where messages come from, and where staff mail goes."""

from __future__ import annotations

from hoppid.contracts import intake as intake_events
from hoppid.contracts import scheduling as sched
from hoppid.notifications.context import Context
from hoppid.notifications.copies import advisors
from hoppid.notifications.copies.offices import OfficeView, save_office


async def office_changed(ctx: Context, event: intake_events.OfficeChanged) -> None:
    office = OfficeView(event.office_id, event.name, event.contact_email, tuple(event.languages))
    await save_office(ctx.store, office, event.changed_at)


async def advisor_changed(ctx: Context, event: sched.AdvisorChanged) -> None:
    await advisors.keep(ctx.store, ctx.vault, event)
