"""The office's private calendar feed: every meeting of the office, for its shared calendar.

Like an advisor's feed, the link carries a random token and only its SHA-256 is stored; asking
for a new link ends the old one. Office admins manage it.
"""

from __future__ import annotations

from hoppid.scheduling.access import administers, digest, new_feed_token
from hoppid.scheduling.handlers import Context, Document, NotFound, feed_url
from hoppid.shared.access import Staff


async def renew_office_feed(ctx: Context, staff: Staff, office_id: str) -> Document:
    """A new private feed link of the office's meetings; the old one stops working."""
    if not administers(staff, office_id):
        raise PermissionError("only the office's admins manage its calendar feed")
    token = new_feed_token()
    if not await ctx.store.set_office_feed(office_id, digest(token)):
        raise NotFound(office_id)
    return {"office_id": office_id, "feed_url": feed_url(ctx, token)}
