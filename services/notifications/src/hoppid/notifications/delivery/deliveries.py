"""Delivering one message exactly once: claim, send, record.

1. **Claim**: insert the delivery document (``_id`` = hash of cause event, channel, recipient)
   *before* sending. A second delivery of the same event finds the claim and does nothing.
2. **Send** (now, or when due: a retry, or an SMS after quiet hours, picked up by the poller,
   which claims it again by moving it from ``scheduled`` to ``sending``).
3. **Record** the result in the same document, with its status event in the document's outbox.

A crash between 1 and 3 leaves the delivery ``sending`` for good: it is never sent again (at
most once; see docs/notifications.md). Transient failures are scheduled again with backoff up to
``HOPPID_NOTIFICATIONS_MAX_ATTEMPTS``, then the delivery fails and ``message.failed`` goes out.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from hoppid.contracts import notifications as ev
from hoppid.notifications.composition import rendering
from hoppid.notifications.composition.templates import TemplateError
from hoppid.notifications.context import Context
from hoppid.notifications.copies.offices import office_view
from hoppid.notifications.delivery import rules
from hoppid.notifications.delivery.mail import Email
from hoppid.notifications.delivery.rules import (
    RejectedError,
    TransientSendError,
    UnknownOutcomeError,
)
from hoppid.notifications.delivery.sms import Sms
from hoppid.notifications.model import Outgoing
from hoppid.notifications.preferences import choices as preferences
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event

log = logging.getLogger("hoppid.notifications.delivery")

Document = dict[str, Any]


async def deliver(ctx: Context, out: Outgoing) -> None:
    """Make the message, claim it, and send it now if it is due."""
    now = ctx.now()
    base = _base_document(out, now)
    if out.address is None:
        await _claim_final(ctx, base, "suppressed", "no_address")
        return
    if await preferences.opted_out(ctx.store, out):
        await _claim_final(ctx, base, "suppressed", "opted_out")
        return
    office = await office_view(ctx.store, out.office_id, ctx.settings.sender_address)
    try:
        link = rendering.preferences_link(out, ctx.settings, ctx.now)
        content = rendering.content(ctx.templates, out, office, link)
    except TemplateError:
        log.exception("no text for %s", out.message)
        await _claim_final(ctx, base, "failed", "template_error")
        return
    at = rules.sendable_at(
        out.channel, now, ctx.settings.sms_quiet_from, ctx.settings.sms_quiet_until
    )
    status = "sending" if at <= now else "scheduled"
    document = {**base, "status": status, "scheduled_for": at, "to": out.address, **content}
    if not await ctx.store.claim(document):
        log.info("delivery %s claimed before: nothing to do", document["_id"])
        return
    if status == "sending":
        await attempt(ctx, document)


async def suppress(ctx: Context, out: Outgoing, reason: str) -> None:
    """Record the message as deliberately not sent, for ``reason``, with its event."""
    await _claim_final(ctx, _base_document(out, ctx.now()), "suppressed", reason)


async def scrub_person(ctx: Context, person_id: str, now: datetime) -> None:
    """An erased person's deliveries: each keeps no address, subject or text from now on, and a
    waiting one is never sent (except the erasure's confirmation, waiting for a retry, which
    scrubs itself once sent or given up)."""
    scrub = {"to": None, "subject": None, "erased_at": now, "updated_at": now}
    for delivery in await ctx.store.deliveries_of_person(person_id):
        if delivery["status"] == "scheduled" and delivery.get("erase_when_done"):
            continue  # the confirmation waiting for a retry
        if delivery["status"] == "scheduled" and await _suppress_waiting(ctx, delivery, scrub):
            continue
        await ctx.store.finish(delivery["_id"], scrub, if_status=None)


async def _suppress_waiting(ctx: Context, delivery: Document, scrub: Document) -> bool:
    """A waiting message of an erased person is never sent (unless an attempt just took it)."""
    event = ev.MessageSuppressedV2(
        **event_fields(delivery), reason="erased", suppressed_at=scrub["updated_at"]
    )
    fields = {**scrub, "status": "suppressed", "reason": "erased"}
    done = await ctx.store.finish(
        delivery["_id"], fields, [status_envelope(event, delivery)], if_status="scheduled"
    )
    if done:
        ctx.metrics.messages.labels(delivery["channel"], delivery["message"], "suppressed").inc()
    return done


def _base_document(out: Outgoing, now: datetime) -> Document:
    return {
        "_id": out.delivery_id,
        "cause_event_id": out.cause_event_id,
        "message": out.message,
        "channel": out.channel,
        "recipient_kind": out.recipient_kind,
        "recipient_id": out.recipient_id,
        "person_id": out.person_id,
        "office_id": out.office_id,
        "case_id": out.case_id,
        "attempts": 0,
        "erase_when_done": out.erase_when_done,
        "created_at": now,
        "updated_at": now,
    }


async def attempt(ctx: Context, document: Document) -> None:
    """One try at a claimed (``sending``) delivery, and its recorded result.

    The person's erasure is looked up once, here, after the claim: an erasure handled from now
    on lists this delivery (its tombstone comes first, its list after) and scrubs it itself,
    so the result is recorded without looking again."""
    if await _person_erased_since(ctx, document):
        await _suppress_erased(ctx, document)
        return
    attempts = int(document.get("attempts", 0)) + 1
    try:
        await _send(ctx, document)
    except TransientSendError as error:
        if attempts < ctx.settings.max_attempts:
            await _schedule_retry(ctx, document, attempts, error.code)
            return
        await _fail(ctx, document, attempts, "retries_spent", error.code)
    except RejectedError as error:
        await _fail(ctx, document, attempts, "rejected", error.code)
    except UnknownOutcomeError as error:
        await _fail(ctx, document, attempts, "unknown_outcome", error.code)
    else:
        await _succeed(ctx, document, attempts)


async def _send(ctx: Context, document: Document) -> None:
    content = document["content"]
    if document["channel"] == "sms":
        sms = Sms(content["sender_name"], document["to"], content["text"], document["_id"])
        await ctx.sms.send(sms)
        return
    server = ctx.settings.smtp_for(document["office_id"])
    email = Email(
        sender_name=content["sender_name"],
        sender_address=server.from_address,
        reply_to=content["reply_to"],
        to=document["to"],
        subject=document["subject"],
        text=content["text"],
        html=content["html"],
        language=document["language"],
        delivery_id=document["_id"],
        calendar=content.get("calendar"),
        calendar_method=content.get("calendar_method"),
    )
    await ctx.send_mail(server, email)


async def _succeed(ctx: Context, document: Document, attempts: int) -> None:
    now = ctx.now()
    event = ev.MessageSentV2(
        **event_fields(document),
        language=document["language"],
        fallback_language=document["fallback_language"],
        attempts=attempts,
        sent_at=now,
    )
    state: Document = {"status": "sent", "sent_at": now, "updated_at": now, "attempts": attempts}
    await _record(ctx, document, {**state, **_scrub_when_done(document, now)}, event, "sent")


async def _fail(ctx: Context, document: Document, attempts: int, reason: str, code: str) -> None:
    now = ctx.now()
    log.warning("delivery %s failed (%s): %s", document["_id"], reason, code)
    event = ev.MessageFailedV2(
        **event_fields(document), reason=reason, attempts=attempts, failed_at=now
    )
    state: Document = {"status": "failed", "reason": reason, "last_error": code}
    state |= {"attempts": attempts, "failed_at": now, "updated_at": now}
    await _record(ctx, document, {**state, **_scrub_when_done(document, now)}, event, "failed")


def _scrub_when_done(document: Document, now: datetime) -> Document:
    """The fields to scrub when recording a result: an erasure confirmation keeps the address
    only until it is sent or given up. (A message whose person is erased while it is on its
    way is scrubbed by the erasure, which finds it: see :func:`attempt`.)"""
    if not document.get("erase_when_done"):
        return {}
    return {"to": None, "subject": None, "erased_at": now}


async def _person_erased_since(ctx: Context, document: Document) -> bool:
    if document.get("recipient_kind") != "person" or document.get("erase_when_done"):
        return False
    return await ctx.store.person_erased(document.get("person_id"))


async def _suppress_erased(ctx: Context, document: Document) -> None:
    """A message to a person erased after it was made is never sent (the race between the
    erasure and an event handled at the same time on another topic)."""
    now = ctx.now()
    event = ev.MessageSuppressedV2(**event_fields(document), reason="erased", suppressed_at=now)
    scrub = {"to": None, "subject": None, "erased_at": now, "updated_at": now}
    fields = {**scrub, "status": "suppressed", "reason": "erased"}
    await _record(ctx, document, fields, event, "suppressed")


async def _schedule_retry(ctx: Context, document: Document, attempts: int, code: str) -> None:
    now = ctx.now()
    delay = rules.retry_delay(attempts, ctx.settings.retry_base_seconds)
    log.warning(
        "delivery %s: transient %s, attempt %d again in %.0fs",
        document["_id"],
        code,
        attempts + 1,
        delay,
    )
    at = now + timedelta(seconds=delay)
    await ctx.store.schedule_retry(document["_id"], at, attempts, code, now)
    ctx.metrics.messages.labels(document["channel"], document["message"], "retried").inc()


async def _record(
    ctx: Context, document: Document, fields: Document, event: Event, outcome: str
) -> None:
    """The attempt's end (``fields``), its text dropped, with its status event."""
    envelopes = [status_envelope(event, document)]
    await ctx.store.finish(document["_id"], fields, envelopes, if_status="sending")
    ctx.metrics.messages.labels(document["channel"], document["message"], outcome).inc()
    ctx.notify()


async def _claim_final(ctx: Context, base: Document, status: str, reason: str) -> None:
    """A delivery that ends at once (nothing to send to, no text), claimed with its event."""
    now = ctx.now()
    event: Event
    if status == "suppressed":
        event = ev.MessageSuppressedV2(**event_fields(base), reason=reason, suppressed_at=now)
    else:
        fields = event_fields(base)
        event = ev.MessageFailedV2(**fields, reason=reason, attempts=0, failed_at=now)
    document = {**base, "status": status, "reason": reason}
    if await ctx.store.claim(document, [status_envelope(event, document)]):
        ctx.metrics.messages.labels(base["channel"], base["message"], status).inc()
        ctx.notify()


def event_fields(document: Document) -> Document:
    return {
        "delivery_id": document["_id"],
        "office_id": document["office_id"],
        "message": document["message"],
        "channel": document["channel"],
        "recipient_kind": document["recipient_kind"],
        "recipient_id": document["recipient_id"],
        "cause_event_id": document["cause_event_id"],
        "case_id": document.get("case_id"),
    }


def status_envelope(event: Event, document: Document) -> Envelope:
    return event.to_envelope(
        source=ev.SOURCE, subject=document["_id"], office=document["office_id"]
    )
