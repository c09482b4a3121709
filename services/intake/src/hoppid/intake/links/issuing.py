"""The background pass that answers the requests for a new link (``use_cases.request_link``
records them): a known, not erased person gets a new signed link, published as ``link.issued``
through their outbox, and notifications mails it to the address intake holds for them; an
unknown address is dropped. Either way the request is then deleted: the address given is kept
only until then. Several instances share the work: each request is claimed by one; one left by
an instance that stopped is taken again after ``STALE_AFTER``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from datetime import timedelta

from hoppid.contracts import intake as ev
from hoppid.intake.context import Context, Document, person_event
from hoppid.intake.links.store import LinkRepository
from hoppid.shared import polling
from hoppid.shared.links import sign_link

log = logging.getLogger("hoppid.intake.links")

# a request taken this long ago and still there was left by an instance that stopped
STALE_AFTER = timedelta(minutes=5)


def _links(ctx: Context) -> LinkRepository:
    """The links' repository: intake's store, or the in-memory one (memory.py) in unit tests."""
    return ctx.store


async def issue_requested_links(ctx: Context) -> int:
    """One pass over the open requests; how many links were issued."""
    now = ctx.now()
    issued = 0
    for request_id in await _links(ctx).open_link_requests(now - STALE_AFTER):
        request = await _links(ctx).take_link_request(request_id, now, now - STALE_AFTER)
        if request is None:  # another instance took it
            continue
        if await _issue(ctx, request):
            issued += 1
        await _links(ctx).drop_link_request(request_id)
    return issued


async def _issue(ctx: Context, request: Document) -> bool:
    links = _links(ctx)
    person = await links.person_by_email(request["email"])
    if person is None or person.get("erased_at"):
        return False
    now = ctx.now()
    cases = await links.cases_of_person(person["_id"])
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
    if await links.set_person(person["_id"], issued, [sealed], expect=expect) is None:
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
