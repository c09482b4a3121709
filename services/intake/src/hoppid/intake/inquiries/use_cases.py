"""The public inquiry: one case per submission, whatever happens. Typed against
``InquiryRepository`` (store.py): intake's store, or the in-memory one (memory.py) in unit
tests."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

from hoppid.contracts import intake as ev
from hoppid.intake.context import (
    Conflict,
    Context,
    Document,
    case_event,
)
from hoppid.intake.inquiries import forms
from hoppid.intake.inquiries.store import InquiryRepository
from hoppid.intake.model import (
    CONSENT_TEXT_VERSION,
    RuleViolation,
    case_reference,
    duplicate_fingerprint,
    normalise_email,
    normalise_phone,
)
from hoppid.intake.search import keys_of_person
from hoppid.shared.envelope import Envelope
from hoppid.shared.links import sign_link

# --- the public inquiry ----------------------------------------------------------------------


def _inquiries(ctx: Context) -> InquiryRepository:
    """The inquiries' repository: intake's store, or the in-memory one (memory.py) in unit tests."""
    return ctx.store


async def submit_inquiry(
    ctx: Context, form: forms.InquiryForm, idempotency_key: str | None
) -> tuple[Document, bool]:
    """Open a case for an inquiry; (case, created). A retry or a same-day duplicate is the same
    case: claims on the idempotency key and on the duplicate fingerprint decide its id first.

    A new person's inquiry costs four store round-trips: the claims, the person, their vault
    key and the case with its events (the office comes from offices read recently)."""
    now = ctx.now()
    inquiries = _inquiries(ctx)
    if form.consent_text_version != CONSENT_TEXT_VERSION:
        raise RuleViolation("consent_text_version", "the consent text has changed: read it again")
    office = await inquiries.office_serving(form.municipality)
    if office is None:
        raise RuleViolation(
            "municipality",
            f"no office serves municipality {form.municipality}; "
            "use a municipality number of Møre og Romsdal, e.g. 1539 for Rauma",
        )
    email = normalise_email(str(form.email))
    phone = normalise_phone(form.phone) if form.phone else None
    new_id = str(uuid.uuid4())
    keys = _claim_keys(email, form.idea, idempotency_key, now)
    case_id = await inquiries.claim(keys, new_id, now)
    if case_id != new_id:  # claimed before: that case, unless it was never written (a crash)
        existing = await inquiries.case_by_id(case_id)
        if existing is not None:
            return existing, False
    person, new_person = await _person_for(ctx, form, email, phone, now)
    first = new_person or not await inquiries.has_cases(person["_id"])
    case = _new_case(case_id, person["_id"], office["_id"], form, now)
    case["search_keys"] = keys_of_person(ctx.link_secret, person)  # the person as stored
    events = await _opening_events(ctx, case, person, form, now, first=first, new=new_person)
    if not await inquiries.insert_case(case, events):
        again = await inquiries.case_by_id(case_id)
        if again is None:  # written by a request with the same claim, and removed since
            raise Conflict("the inquiry's case was removed meanwhile; send the inquiry again")
        return again, False
    ctx.notify()
    return case, True


def _claim_keys(email: str, idea: str, idempotency_key: str | None, now: datetime) -> list[str]:
    """The idempotency key's claim first (it decides), then the same-day duplicate's."""
    claims = [f"dup:{duplicate_fingerprint(email, idea, now)}"]
    if idempotency_key:
        digest = hashlib.sha256(idempotency_key.encode()).hexdigest()
        claims.insert(0, f"idem:{digest}")
    return claims


async def _person_for(
    ctx: Context, form: forms.InquiryForm, email: str, phone: str | None, now: datetime
) -> tuple[Document, bool]:
    """(the person, whether they are new): inserted with this form's data, or, when their email
    is known already, that person as stored. The public form never changes a known person:
    whoever knows an address could otherwise rename them, re-grant a consent they withdrew or
    share their company with partners. A person changes their data through their own link."""
    consent = {"given_at": now, "text_version": form.consent_text_version}
    person = {
        "_id": str(uuid.uuid4()),
        "email": email,
        "name": form.name,
        "phone": phone,
        "language": form.language,
        "link_epoch": 0,
        "created_at": now,
        "consents": {
            "processing": consent,
            "newsletter": form.consent_newsletter,
            "share_company_with_partners": form.share_company_with_partners,
        },
    }
    if await _inquiries(ctx).insert_person(person):
        return person, True
    known = await _inquiries(ctx).person_by_email(email)
    if known is None:  # a person with this address existed a moment ago: erased meanwhile
        raise Conflict("the person with this email changed meanwhile; send the inquiry again")
    if known["_id"] == person["_id"]:  # our own insert, retried by the driver
        return person, True
    return known, False


def _new_case(
    case_id: str, person_id: str, office_id: str, form: forms.InquiryForm, now: datetime
) -> Document:
    return {
        "_id": case_id,
        "reference": case_reference(case_id),
        "person_id": person_id,
        "office_id": office_id,
        "municipality": form.municipality,
        "idea": form.idea,
        "stage": form.stage,
        "needs": list(dict.fromkeys(form.needs)),
        "language": form.language,
        "meeting_mode": form.meeting_mode,
        "status": "new",
        "advisor_id": None,
        "history": [{"status": "new", "at": now}],
        "notes": [],
        "applications": [],
        "introductions": [],
        "company": None,
        "created_at": now,
        "updated_at": now,
    }


async def _opening_events(
    ctx: Context,
    case: Document,
    person: Document,
    form: forms.InquiryForm,
    now: datetime,
    *,
    first: bool,
    new: bool,
) -> list[Envelope]:
    token = sign_link(ctx.link_secret, person["_id"], person["link_epoch"], now, ctx.link_days)
    received = ev.InquiryReceived(
        case_id=case["_id"],
        office_id=case["office_id"],
        person_id=person["_id"],
        reference=case["reference"],
        municipality=case["municipality"],
        language=person.get("language", form.language),  # the receipt's: the person's choice
        needs=case["needs"],
        received_at=now,
        name=person["name"],  # the person's, not the form's: see _person_for
        email=person["email"],
        case_link_token=token,
    )
    opened = ev.CaseOpened(
        case_id=case["_id"],
        office_id=case["office_id"],
        person_id=person["_id"],
        reference=case["reference"],
        municipality=case["municipality"],
        needs=case["needs"],
        stage=form.stage,
        language=form.language,
        meeting_mode=form.meeting_mode,
        opened_at=now,
        first_case_of_person=first,
    )
    sealed = await ctx.vault.seal(
        case_event(received, case), ev.InquiryReceived, person["_id"], likely_new=new
    )
    return [sealed, case_event(opened, case)]
