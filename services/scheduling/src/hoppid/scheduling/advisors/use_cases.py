"""Advisors: added and changed by office admins (with advisor.changed), their feed links."""

from __future__ import annotations

import uuid

from hoppid.contracts import scheduling as ev
from hoppid.scheduling.access import administers, digest, new_feed_token, works_at
from hoppid.scheduling.advisors import forms
from hoppid.scheduling.advisors.model import Hours, check_hours
from hoppid.scheduling.context import (
    Context,
    Document,
    feed_url,
    office_for,
)
from hoppid.scheduling.model import RuleViolation
from hoppid.shared.access import Staff
from hoppid.shared.envelope import Envelope
from hoppid.shared.problems import NotFound


def _check_advisor(form: forms.AdvisorForm) -> None:
    check_hours(Hours(h.weekday, h.start, h.end, h.place) for h in form.weekly_hours)
    for absence in form.absences:
        if absence.last_day < absence.first_day:
            raise RuleViolation("absences", "an absence must end on or after its first day")


async def add_advisor(
    ctx: Context, staff: Staff, office_id: str, form: forms.AdvisorForm
) -> Document:
    if not administers(staff, office_id):
        raise PermissionError("not an admin of this office")
    await office_for(ctx, staff, office_id)
    _check_advisor(form)
    token = new_feed_token()
    advisor = {
        "_id": str(uuid.uuid4()),
        "office_id": office_id,
        **form.model_dump(mode="json"),
        "active": True,
        "feed_token_hash": digest(token),
        "created_at": ctx.now(),
    }
    event = await _advisor_changed(ctx, advisor)
    await ctx.advisor_store.insert_advisor(advisor, [event])
    ctx.advisors.forget(office_id)
    ctx.notify()
    return {**advisor, "feed_url": feed_url(ctx, token)}  # the feed's link is shown once


async def change_advisor(
    ctx: Context, staff: Staff, office_id: str, advisor_id: str, form: forms.AdvisorForm
) -> Document:
    if not administers(staff, office_id):
        raise PermissionError("not an admin of this office")
    _check_advisor(form)
    if await ctx.advisor_store.advisor(office_id, advisor_id) is None:  # no vault key for nobody
        raise NotFound(advisor_id)
    fields = {**form.model_dump(mode="json"), "updated_at": ctx.now()}
    event = await _advisor_changed(ctx, {"_id": advisor_id, "office_id": office_id, **fields})
    advisor = await ctx.advisor_store.update_advisor(office_id, advisor_id, fields, [event])
    ctx.advisors.forget(office_id)
    if advisor is None:
        raise NotFound(advisor_id)
    ctx.notify()
    return advisor


async def _advisor_changed(ctx: Context, advisor: Document) -> Envelope:
    """advisor.changed with name and address sealed under the advisor's own vault key."""
    event = ev.AdvisorChanged(
        advisor_id=advisor["_id"],
        office_id=advisor["office_id"],
        name=advisor["name"],
        email=advisor["email"],
        languages=list(advisor["languages"]),
        active=bool(advisor.get("active", True)),
        changed_at=ctx.now(),
    )
    plain = event.to_envelope(source=ev.SOURCE, subject=advisor["_id"], office=advisor["office_id"])
    return await ctx.vault.seal(plain, ev.AdvisorChanged, advisor["_id"])


async def renew_feed(ctx: Context, staff: Staff, office_id: str, advisor_id: str) -> Document:
    """A new private feed link for the advisor; the old one stops working."""
    if not works_at(staff, office_id):
        raise PermissionError("this key is not of this office")
    token = new_feed_token()
    advisor = await ctx.advisor_store.update_advisor(
        office_id, advisor_id, {"feed_token_hash": digest(token)}
    )
    if advisor is None:
        raise NotFound(advisor_id)
    return {"advisor_id": advisor_id, "feed_url": feed_url(ctx, token)}
