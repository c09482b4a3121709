"""notifications's use cases: one function per event it reacts to.

Every handler is safe to run twice for the same event: office and person copies keep the newest
version only, and each message is claimed once per (event, channel, recipient) before it is sent
(hoppid.notifications.delivery).
"""

from __future__ import annotations

from typing import Any

from hoppid.notifications import messages, people, staff
from hoppid.notifications.delivery import Context, deliver, event_fields, status_envelope, together
from hoppid.notifications.offices import OfficeView, office_view, save_office
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import intake as intake_events
from hoppid.shared.events import notifications as ev


async def office_changed(ctx: Context, event: intake_events.OfficeChanged) -> None:
    office = OfficeView(event.office_id, event.name, event.contact_email, tuple(event.languages))
    await save_office(ctx.store, office, event.changed_at)


async def inquiry_received(
    ctx: Context, event: intake_events.InquiryReceived, envelope: Envelope
) -> None:
    base_url = ctx.settings.link_base_url
    await together(  # the receipt is made from the event: it need not wait for the copy
        people.keep(ctx.store, ctx.vault, event),
        deliver(ctx, messages.inquiry_receipt(event, envelope.id, base_url)),
    )


async def case_opened(ctx: Context, event: intake_events.CaseOpened, envelope: Envelope) -> None:
    async def notice() -> None:
        office = await office_view(ctx.store, event.office_id, ctx.settings.sender_address)
        await deliver(ctx, messages.new_case_notice(event, office, envelope.id))

    await together(staff.case_opened(ctx, event), notice())  # and the digest's open cases


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
    # when it is sent or recorded, and scrubs itself (delivery._erased)
    await ctx.store.forget_person(event.person_id, now)
    scrub = {"to": None, "subject": None, "erased_at": now, "updated_at": now}
    for delivery in await ctx.store.deliveries_of_person(event.person_id):
        if delivery["status"] == "scheduled" and delivery.get("erase_when_done"):
            continue  # the confirmation waiting for a retry
        if delivery["status"] == "scheduled" and await _suppress(ctx, delivery, scrub):
            continue
        await ctx.store.record(delivery["_id"], None, {"$set": scrub, "$unset": {"content": ""}})
    await ctx.store.forget_preferences(event.person_id)
    await people.shred(ctx.vault, event.person_id)  # last: a stray copy opens to nothing
    ctx.notify()


async def _suppress(ctx: Context, delivery: dict[str, Any], scrub: dict[str, Any]) -> bool:
    """A waiting message of an erased person is never sent (unless an attempt just took it)."""
    event = ev.MessageSuppressedV2(
        **event_fields(delivery), reason="erased", suppressed_at=scrub["updated_at"]
    )
    update = {
        "$set": {**scrub, "status": "suppressed", "reason": "erased"},
        "$unset": {"content": ""},
    }
    done = await ctx.store.record(
        delivery["_id"], "scheduled", update, [status_envelope(event, delivery)]
    )
    if done:
        ctx.metrics.messages.labels(delivery["channel"], delivery["message"], "suppressed").inc()
    return done
