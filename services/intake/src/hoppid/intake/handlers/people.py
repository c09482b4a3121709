"""The entrepreneur's own link: their data, corrections, consent, erasure."""

from __future__ import annotations

from typing import Any

from hoppid.intake import forms
from hoppid.intake.handlers.common import (
    Context,
    Document,
    NotFound,
    person_event,
)
from hoppid.intake.model import (
    RuleViolation,
    normalise_phone,
)
from hoppid.shared.events import intake as ev
from hoppid.shared.links import verify_link

# --- the entrepreneur's own link -------------------------------------------------------------


async def person_of_link(ctx: Context, token: str) -> str | None:
    """The person a link token stands for; None if it is forged, expired or revoked (erasure
    moves the person's link epoch on, so every older link stops working)."""
    claims = verify_link(ctx.link_secret, token, ctx.now())
    person = await ctx.store.person(claims.person_id) if claims else None
    if claims is None or person is None or person.get("link_epoch") != claims.epoch:
        return None
    return claims.person_id


async def my_data(ctx: Context, person_id: str) -> Document:
    """Everything intake holds about the person: the export."""
    person = await ctx.store.person(person_id)
    if person is None or person.get("erased_at"):
        raise NotFound(person_id)
    cases = await ctx.store.cases_of_person(person_id)
    return {"person": person, "cases": cases}


async def correct_my_data(ctx: Context, person_id: str, form: forms.Correction) -> Document:
    changes = form.model_dump(exclude_none=True)
    if "phone" in changes:
        changes["phone"] = normalise_phone(changes["phone"])
    if not changes:
        raise RuleViolation("body", "nothing to correct")
    changes["updated_at"] = ctx.now()
    person = await ctx.store.update_person(person_id, {"$set": changes})
    if person is None:
        raise NotFound(person_id)
    return person


async def withdraw_consent(ctx: Context, person_id: str, form: forms.WithdrawConsent) -> Document:
    now = ctx.now()
    value: Any = False if form.consent == "newsletter" else {"withdrawn_at": now}
    event = ev.ConsentWithdrawn(person_id=person_id, consent=form.consent, withdrawn_at=now)
    person = await ctx.store.update_person(
        person_id,
        {"$set": {f"consents.{form.consent}": value}},
        [person_event(event, person_id)],
    )
    if person is None:
        raise NotFound(person_id)
    ctx.notify()
    return person


async def request_erasure(ctx: Context, person_id: str) -> None:
    """Erase the person's data here and ask every other service to do the same.

    Cases keep what the counts need (office, municipality, needs, statuses, dates); the free
    text goes. The person's links stop working (the link epoch moves on). Safe to repeat.
    """
    now = ctx.now()
    await ctx.vault.destroy(person_id)  # first: what the topics hold becomes unreadable
    cases = await ctx.store.cases_of_person(person_id)
    for case in cases:
        await _scrub_case(ctx, case)
    requested = ev.ErasureRequested(
        person_id=person_id, case_ids=[c["_id"] for c in cases], requested_at=now
    )
    completed = ev.ErasureCompleted(person_id=person_id, completed_at=now)
    person = await ctx.store.update_person(
        person_id,
        {
            "$set": {
                "name": None,
                "email": f"erased:{person_id}",
                "phone": None,
                "erased_at": now,
                "consents": {},
            },
            "$inc": {"link_epoch": 1},
        },
        [person_event(requested, person_id), person_event(completed, person_id)],
    )
    if person is None:
        raise NotFound(person_id)
    ctx.notify()


async def _scrub_case(ctx: Context, case: Document) -> None:
    await ctx.store.update_case(
        case["office_id"],
        case["_id"],
        {
            "$set": {
                "idea": None,
                "notes": [{"id": n["id"], "at": n["at"]} for n in case["notes"]],
                "introductions": [
                    {"id": i["id"], "kind": i["kind"], "at": i["at"]} for i in case["introductions"]
                ],
                "history": [
                    {k: v for k, v in h.items() if k != "comment"} for h in case["history"]
                ],
            }
        },
        [],
    )
