"""A new link by email: the public form asks for an address and always answers the same way.

The answer must not tell whether the address is known, neither by its words nor by its time.
So the request does one thing whoever asks: it records the address as a *link request*
(``request_link``) and wakes the background pass (``issuing``), which issues the link to a
known person later. Typed against ``LinkRepository`` (store.py): intake's store, or the
in-memory one (memory.py) in unit tests.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from hoppid.intake.context import Context
from hoppid.intake.links.store import LinkRepository
from hoppid.intake.model import normalise_email

# a new request's taken_at: before every time, so "not taken" and "left long ago" are one query
NOT_TAKEN = datetime(1970, 1, 1, tzinfo=UTC)


def _links(ctx: Context) -> LinkRepository:
    """The links' repository: intake's store, or the in-memory one (memory.py) in unit tests."""
    return ctx.store


async def request_link(ctx: Context, email: str) -> None:
    """Record the request; the same single insert whether or not the address is known."""
    await _links(ctx).add_link_request(
        {
            "_id": str(uuid.uuid4()),
            "email": normalise_email(email),
            "requested_at": ctx.now(),
            "taken_at": NOT_TAKEN,
        }
    )
    ctx.wake_links()
