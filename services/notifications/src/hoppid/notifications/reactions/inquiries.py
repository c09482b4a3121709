"""intake's inquiries and cases: the person's receipt, the office's new-case notice, and the
open cases the advisors' digest lists."""

from __future__ import annotations

from hoppid.contracts import intake as intake_events
from hoppid.notifications.composition import messages
from hoppid.notifications.context import Context
from hoppid.notifications.copies import cases, people
from hoppid.notifications.copies.offices import office_view
from hoppid.notifications.delivery.deliveries import deliver
from hoppid.notifications.reactions.together import together
from hoppid.shared.envelope import Envelope


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

    await together(cases.opened(ctx.store, event), notice())  # and the digest's open cases


async def case_status_changed(ctx: Context, event: intake_events.CaseStatusChanged) -> None:
    await cases.status_changed(ctx.store, event)
