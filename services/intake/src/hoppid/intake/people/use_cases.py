"""The entrepreneur's own link: their data, corrections, consent, erasure."""

from __future__ import annotations

from hoppid.contracts import intake as ev
from hoppid.intake.audit import trail
from hoppid.intake.cases.store import CaseChange, CaseRepository
from hoppid.intake.context import (
    Conflict,
    Context,
    Document,
    NotFound,
    person_event,
)
from hoppid.intake.model import (
    RuleViolation,
    normalise_phone,
)
from hoppid.intake.people import forms
from hoppid.intake.people.store import PersonRepository
from hoppid.intake.search import keys_of_person
from hoppid.shared.events import Event
from hoppid.shared.links import verify_link


def _people(ctx: Context) -> PersonRepository:
    """The people's repository: intake's store, or the in-memory one (memory.py) in unit tests."""
    return ctx.store


def _cases(ctx: Context) -> CaseRepository:
    """The cases' repository, through which an erasure scrubs the person's cases."""
    return ctx.store


# --- the entrepreneur's own link -------------------------------------------------------------


async def person_of_link(ctx: Context, token: str) -> str | None:
    """The person a link token stands for; None if it is forged, expired or revoked (erasure
    moves the person's link epoch on, so every older link stops working)."""
    claims = verify_link(ctx.link_secret, token, ctx.now())
    person = await _people(ctx).person(claims.person_id) if claims else None
    if claims is None or person is None or person.get("link_epoch") != claims.epoch:
        return None
    return claims.person_id


async def my_data(ctx: Context, person_id: str) -> Document:
    """Everything intake holds about the person: the export."""
    person = await _people(ctx).person(person_id)
    if person is None or person.get("erased_at"):
        raise NotFound(person_id)
    cases = await _people(ctx).cases_of_person(person_id)
    return {"person": person, "cases": cases}


async def correct_my_data(ctx: Context, person_id: str, form: forms.Correction) -> Document:
    """Correct the person's name, phone or language, and tell every service that keeps a copy
    (``person.corrected``, with the values as they are now). The update is conditional on the
    values read, so two corrections at once publish what the store holds, in order."""
    changes = form.model_dump(exclude_none=True)
    if "phone" in changes:
        changes["phone"] = normalise_phone(changes["phone"])
    if not changes:
        raise RuleViolation("body", "nothing to correct")
    known = await _people(ctx).person(person_id)
    if known is None or known.get("erased_at"):
        raise NotFound(person_id)
    fields = {"fields": sorted(changes)}  # which, never the values
    person_itself = trail.the_person(person_id)
    await trail.person_act(ctx, person_id, "correction", person_itself, "link", fields)
    for _ in range(CORRECTION_TRIES):
        person = await _people(ctx).person(person_id)
        if person is None or person.get("erased_at"):
            raise NotFound(person_id)
        corrected = await _corrected(ctx, person, changes)
        if corrected is not None:
            return corrected
    raise Conflict("the data changed meanwhile: try again")


CORRECTION_TRIES = 5
CORRECTABLE = ("name", "phone", "language")


async def _corrected(ctx: Context, person: Document, changes: Document) -> Document | None:
    """The person after the correction, or None if someone changed them since they were read."""
    now = ctx.now()
    expect = {field: person.get(field) for field in CORRECTABLE}
    after = {**expect, **changes}
    changed = [field for field in CORRECTABLE if after[field] != expect[field]]
    events = []
    if changed:
        event = ev.PersonCorrected(
            person_id=person["_id"],
            corrected=changed,
            language=after["language"],
            corrected_at=now,
            name=after["name"],
            phone=after["phone"],
        )
        envelope = person_event(event, person["_id"])
        events.append(await ctx.vault.seal(envelope, ev.PersonCorrected, person["_id"]))
    fields = {**changes, "updated_at": now}
    updated = await _people(ctx).set_person(person["_id"], fields, events, expect=expect)
    if updated is not None and events:
        ctx.notify()
        # after the person: a crash between the two leaves the old keys until the next
        # correction (the search then finds the case by the old name or phone)
        await _people(ctx).set_search_keys(person["_id"], keys_of_person(ctx.link_secret, updated))
    return updated


async def withdraw_consent(
    ctx: Context, person_id: str, form: forms.WithdrawConsent
) -> Document | None:
    """Withdraw a consent. The consent to processing is what every service's processing of the
    person rests on, so withdrawing it is an erasure request (the page says so and asks first):
    the same path as ``request_erasure``, whose events stop everything everywhere (scheduling
    cancels meetings and releases seats and desks, notifications sends nothing more but the
    erasure's confirmation, reporting retracts). Returns the person, None once erased."""
    if form.consent == "processing":
        await request_erasure(ctx, person_id)
        return None
    now = ctx.now()
    event: Event
    if form.consent == "share_company_with_partners":  # reporting retracts the partner facts
        event = ev.PartnerSharingWithdrawn(person_id=person_id, withdrawn_at=now)
    else:
        event = ev.ConsentWithdrawn(person_id=person_id, consent=form.consent, withdrawn_at=now)
    person = await _people(ctx).withdraw_consent(
        person_id, form.consent, [person_event(event, person_id)]
    )
    if person is None:
        raise NotFound(person_id)
    ctx.notify()
    return person


async def request_erasure(ctx: Context, person_id: str, by: trail.Actor | None = None) -> None:
    """Erase the person's data here and ask every other service to do the same.

    Cases keep what the counts need (office, municipality, needs, statuses, dates); the free
    text goes. The person's links stop working (the link epoch moves on). Safe to repeat.
    ``by``: who erases, for the audit log (the person themselves, by their link, if not given);
    its entry is written first and survives the erasure (audit/).
    """
    now = ctx.now()
    actor = by or trail.the_person(person_id)
    channel: trail.Channel = "link" if actor.kind == "person" else "system"
    await trail.person_act(ctx, person_id, "erasure", actor, channel)
    await ctx.vault.destroy(person_id)  # first: what the topics hold becomes unreadable
    cases = await _people(ctx).cases_of_person(person_id)
    for case in cases:
        await scrub_case(ctx, case)
    requested = ev.ErasureRequested(
        person_id=person_id, case_ids=[c["_id"] for c in cases], requested_at=now
    )
    completed = ev.ErasureCompleted(person_id=person_id, completed_at=now)
    person = await _people(ctx).erase_person(
        person_id, now, [person_event(requested, person_id), person_event(completed, person_id)]
    )
    if person is None:
        raise NotFound(person_id)
    ctx.notify()


async def scrub_case(ctx: Context, case: Document) -> None:
    scrubbed = {
        "erased_at": ctx.now(),
        "idea": None,
        "search_keys": [],  # an erased person's cases are found by reference only
        "notes": [{"id": n["id"], "at": n["at"]} for n in case["notes"]],
        "introductions": [
            {"id": i["id"], "kind": i["kind"], "at": i["at"]} for i in case["introductions"]
        ],
        "history": [{k: v for k, v in h.items() if k != "comment"} for h in case["history"]],
    }
    await _cases(ctx).change_case(case["office_id"], case["_id"], CaseChange(fields=scrubbed), [])
