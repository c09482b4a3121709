"""A new link by email: the public form asks for an address and always answers the same way.

The answer must not tell whether the address is known, neither by its words nor by its time.
So the request does one thing whoever asks: it records the address as a *link request*
(``request_link``). The work happens afterwards, in the background (``issue_requested_links``):
a known, not erased person gets a new signed link, published as ``link.issued`` through their
outbox, and notifications mails it to the address intake holds for them; an unknown address is
dropped. Either way the request is then deleted: the address given is kept only until then.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from hoppid.contracts import intake as ev
from hoppid.intake.context import Context, Document, person_event
from hoppid.intake.model import normalise_email
from hoppid.shared import polling
from hoppid.shared.links import sign_link

log = logging.getLogger("hoppid.intake.links")

# a new request's taken_at: before every time, so "not taken" and "left long ago" are one query
NOT_TAKEN = datetime(1970, 1, 1, tzinfo=UTC)
# a request taken this long ago and still there was left by an instance that stopped
STALE_AFTER = timedelta(minutes=5)


async def request_link(ctx: Context, email: str) -> None:
    """Record the request; the same single insert whether or not the address is known."""
    await ctx.store.add_link_request(
        {
            "_id": str(uuid.uuid4()),
            "email": normalise_email(email),
            "requested_at": ctx.now(),
            "taken_at": NOT_TAKEN,
        }
    )
    ctx.wake_links()


async def issue_requested_links(ctx: Context) -> int:
    """One pass over the open requests; how many links were issued."""
    now = ctx.now()
    issued = 0
    for request_id in await ctx.store.open_link_requests(now - STALE_AFTER):
        request = await ctx.store.take_link_request(request_id, now, now - STALE_AFTER)
        if request is None:  # another instance took it
            continue
        if await _issue(ctx, request):
            issued += 1
        await ctx.store.drop_link_request(request_id)
    return issued


async def _issue(ctx: Context, request: Document) -> bool:
    person = await ctx.store.person_by_email(request["email"])
    if person is None or person.get("erased_at"):
        return False
    now = ctx.now()
    cases = await ctx.store.cases_of_person(person["_id"])
    token = sign_link(ctx.link_secret, person["_id"], person["link_epoch"], now, ctx.link_days)
    event = ev.LinkIssued(
        person_id=person["_id"],
        office_id=cases[-1]["office_id"] if cases else "",
        language=person["language"],
        issued_at=now,
        name=person["name"],
        email=person["email"],  # the stored address, never one from the request
        link_token=token,
    )
    # a request handled twice (a crash before it was dropped) is the same event: mailed once
    envelope = dataclasses.replace(person_event(event, person["_id"]), id=request["_id"])
    try:
        sealed = await ctx.vault.seal(envelope, ev.LinkIssued, person["_id"])
    except PermissionError:  # erased meanwhile
        return False
    issued = {"link_issued_at": now}
    expect = {"link_epoch": person["link_epoch"], "erased_at": None}
    if await ctx.store.set_person(person["_id"], issued, [sealed], expect=expect) is None:
        return False  # erased (the link epoch moved on) between the read and now
    ctx.notify()
    return True


async def run(ctx: Context, wake: asyncio.Event, interval_seconds: float) -> None:
    """Until cancelled: a pass when a request arrives, and every ``interval_seconds``."""

    async def one_pass() -> None:
        await issue_requested_links(ctx)

    await polling.poll("link requests pass", one_pass, interval_seconds, log, wake=wake)


def waker(wake: asyncio.Event) -> Callable[[], None]:
    return wake.set
