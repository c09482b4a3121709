"""The person's own requests, from intake: a consent withdrawn, a correction, a new link, and
their erasure; each confirmed to them while their address is still known."""

from __future__ import annotations

from hoppid.contracts import intake as intake_events
from hoppid.notifications.composition import messages
from hoppid.notifications.context import Context
from hoppid.notifications.copies import people
from hoppid.notifications.delivery.deliveries import deliver, scrub_person
from hoppid.notifications.reactions.together import together
from hoppid.shared.envelope import Envelope


async def consent_withdrawn(
    ctx: Context, event: intake_events.ConsentWithdrawn, envelope: Envelope
) -> None:
    person = await people.find(ctx.store, ctx.vault, event.person_id)
    await deliver(ctx, messages.consent_confirmation(event, person, envelope.id))


async def person_corrected(ctx: Context, event: intake_events.PersonCorrected) -> None:
    """Messages from now on use the corrected name and language."""
    await people.correct(ctx.store, ctx.vault, event)


async def link_issued(ctx: Context, event: intake_events.LinkIssued, envelope: Envelope) -> None:
    """The new link the person asked for (once per event: a re-published one is the same);
    later messages carry it too."""
    await together(
        people.keep_link(ctx.store, ctx.vault, event),
        deliver(ctx, messages.new_link(event, envelope.id, ctx.settings.link_base_url)),
    )


async def erasure_requested(
    ctx: Context, event: intake_events.ErasureRequested, envelope: Envelope
) -> None:
    """Confirm the erasure to the person, then forget their contact data and scrub their
    deliveries; waiting ones never go (except the confirmation, which scrubs itself once sent
    or given up)."""
    person = await people.find(ctx.store, ctx.vault, event.person_id)
    await deliver(ctx, messages.erasure_done(event, person, envelope.id))  # while readable
    now = ctx.now()
    # the tombstone first: a message made after the scrub below lists the deliveries sees it
    # when it is sent or recorded, and scrubs itself (deliveries.attempt)
    await ctx.store.forget_person(event.person_id, now)
    await scrub_person(ctx, event.person_id, now)
    await ctx.store.forget_preferences(event.person_id)
    await people.shred(ctx.vault, event.person_id)  # last: a stray copy opens to nothing
    ctx.notify()
