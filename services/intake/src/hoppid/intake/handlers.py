"""intake's use cases: one function per command; each commits through the store with its events.

Handlers raise :class:`~hoppid.intake.model.RuleViolation` (422, naming the field),
:class:`NotFound` (404) or :class:`Conflict` (409); the API turns them into problems.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hoppid.intake import forms
from hoppid.intake.access import Staff, new_api_key, sign_link
from hoppid.intake.model import (
    CONSENT_TEXT_VERSION,
    RuleViolation,
    case_reference,
    check_transition,
    duplicate_fingerprint,
    normalise_email,
    normalise_org_number,
    normalise_phone,
)
from hoppid.intake.store import IntakeStore
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.events import intake as ev
from hoppid.shared.pii import PersonalDataVault
from hoppid.shared.tenancy import OfficeRegistry

Document = dict[str, Any]


class NotFound(LookupError):
    """No such thing for this caller (another office's case is 'not found' too)."""


class Conflict(Exception):
    """The thing changed meanwhile; fetch it again and retry."""


@dataclass
class Context:
    store: IntakeStore
    link_secret: str
    link_days: int
    notify: Callable[[], None]  # wakes the outbox relay after a write
    vault: PersonalDataVault  # seals personal fields on the topic; erasure destroys the key
    now: Callable[[], datetime] = lambda: datetime.now(UTC)


def _case_event(event: Event, case: Document) -> Envelope:
    return event.to_envelope(
        source=ev.SOURCE,
        subject=case["_id"],
        office=case["office_id"],
        municipality=case["municipality"],
    )


def _person_event(event: Event, person_id: str) -> Envelope:
    return event.to_envelope(source=ev.SOURCE, subject=person_id)


# --- offices -------------------------------------------------------------------------------


def office_document(office_id: str, form: forms.OfficeForm) -> Document:
    return {"_id": office_id, **form.model_dump(mode="json")}


def _office_changed(office: Document, now: datetime) -> Envelope:
    event = ev.OfficeChanged(
        office_id=office["_id"],
        name=office["name"],
        municipalities=office["municipalities"],
        languages=office["languages"],
        contact_email=office["contact_email"],
        yearly_budget_eur=office.get("yearly_budget_eur", 0),
        changed_at=now,
    )
    return event.to_envelope(source=ev.SOURCE, subject=office["_id"], office=office["_id"])


async def seed_offices(ctx: Context, registry: OfficeRegistry) -> None:
    """The packaged offices, for a new database; offices changed by admins are left alone."""
    for office in registry:
        if await ctx.store.office(office.id) is None:
            document = {"_id": office.id, **office.model_dump(mode="json", exclude={"id"})}
            document["municipalities"] = list(document["municipalities"])
            document["languages"] = list(document["languages"])
            await ctx.store.save_office(document, [_office_changed(document, ctx.now())])
    ctx.notify()


async def save_office(
    ctx: Context, staff: Staff, office_id: str, form: forms.OfficeForm, *, new: bool
) -> Document:
    if new and staff.role != "platform_admin":
        raise PermissionError("only the platform admin adds offices")
    if not new and not staff.may_administer(office_id):
        raise PermissionError("not an admin of this office")
    existing = await ctx.store.office(office_id)
    if new and existing is not None:
        raise Conflict(f"office {office_id} exists already")
    if not new and existing is None:
        raise NotFound(office_id)
    for number in form.municipalities:
        holder = await ctx.store.office_serving(number)
        if holder is not None and holder["_id"] != office_id:
            raise RuleViolation("municipalities", f"{number} is served by {holder['_id']}")
    document = office_document(office_id, form)
    await ctx.store.save_office(document, [_office_changed(document, ctx.now())])
    ctx.notify()
    return document


async def issue_key(ctx: Context, staff: Staff, office_id: str, form: forms.IssueKey) -> Document:
    if not staff.may_administer(office_id):
        raise PermissionError("not an admin of this office")
    if await ctx.store.office(office_id) is None:
        raise NotFound(office_id)
    key_id, full_key, key_hash = new_api_key()
    await ctx.store.add_key(
        {
            "_id": key_id,
            "office_id": office_id,
            "role": form.role,
            "label": form.label,
            "hash": key_hash,
            "created_at": ctx.now(),
            "created_by": staff.key_id,
            "revoked_at": None,
        }
    )
    return {"key_id": key_id, "key": full_key, "office_id": office_id, "role": form.role}


async def revoke_key(ctx: Context, staff: Staff, office_id: str, key_id: str) -> None:
    if not staff.may_administer(office_id):
        raise PermissionError("not an admin of this office")
    if not await ctx.store.revoke_key(office_id, key_id, ctx.now()):
        raise NotFound(key_id)


# --- the public inquiry ----------------------------------------------------------------------


async def submit_inquiry(
    ctx: Context, form: forms.InquiryForm, idempotency_key: str | None
) -> tuple[Document, bool]:
    """Open a case for an inquiry; (case, created). A retry or a same-day duplicate is the same
    case: claims on the idempotency key and on the duplicate fingerprint decide its id first."""
    now = ctx.now()
    if form.consent_text_version != CONSENT_TEXT_VERSION:
        raise RuleViolation("consent_text_version", "the consent text has changed: read it again")
    office = await ctx.store.office_serving(form.municipality)
    if office is None:
        raise RuleViolation(
            "municipality",
            f"no office serves municipality {form.municipality}; "
            "use a municipality number of Møre og Romsdal, e.g. 1539 for Rauma",
        )
    email = normalise_email(str(form.email))
    phone = normalise_phone(form.phone) if form.phone else None
    case_id = await _claim_case_id(ctx, email, form.idea, idempotency_key, now)
    existing = await ctx.store.case_by_id(case_id)
    if existing is not None:
        return existing, False
    person = await _person_for(ctx, form, email, phone, now)
    previous = await ctx.store.cases_of_person(person["_id"])
    case = _new_case(case_id, person["_id"], office["_id"], form, now)
    events = await _opening_events(ctx, case, person, form, now, first=not previous)
    if not await ctx.store.insert_case(case, events):
        again = await ctx.store.case_by_id(case_id)
        assert again is not None
        return again, False
    ctx.notify()
    return case, True


async def _claim_case_id(
    ctx: Context, email: str, idea: str, idempotency_key: str | None, now: datetime
) -> str:
    claims = [f"dup:{duplicate_fingerprint(email, idea, now)}"]
    if idempotency_key:
        digest = hashlib.sha256(idempotency_key.encode()).hexdigest()
        claims.insert(0, f"idem:{digest}")
    case_id = str(uuid.uuid4())
    for index, key in enumerate(claims):
        claimed = await ctx.store.claim(key, case_id, now)
        if claimed != case_id:
            for earlier in claims[:index]:
                await ctx.store.point_claim(earlier, claimed)
            return claimed
    return case_id


async def _person_for(
    ctx: Context, form: forms.InquiryForm, email: str, phone: str | None, now: datetime
) -> Document:
    consent = {"given_at": now, "text_version": form.consent_text_version}
    person = await ctx.store.person_by_email(email)
    if person is None:
        person = await ctx.store.insert_person(
            {
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
        )
    updated = await ctx.store.update_person(
        person["_id"],
        {
            "$set": {
                "name": form.name,
                "phone": phone or person.get("phone"),
                "language": form.language,
                "consents.processing": consent,
                "consents.newsletter": form.consent_newsletter,
                "consents.share_company_with_partners": form.share_company_with_partners,
            }
        },
    )
    assert updated is not None
    return updated


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
) -> list[Envelope]:
    token = sign_link(ctx.link_secret, person["_id"], person["link_epoch"], now, ctx.link_days)
    received = ev.InquiryReceived(
        case_id=case["_id"],
        office_id=case["office_id"],
        person_id=person["_id"],
        reference=case["reference"],
        municipality=case["municipality"],
        language=form.language,
        needs=case["needs"],
        received_at=now,
        name=form.name,
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
    sealed = await ctx.vault.seal(_case_event(received, case), ev.InquiryReceived, person["_id"])
    return [sealed, _case_event(opened, case)]


# --- office staff --------------------------------------------------------------------------


async def open_case(ctx: Context, staff: Staff, case_id: str) -> Document:
    case = await ctx.store.case(staff.office_id, case_id)
    if case is None:
        raise NotFound(case_id)
    return case


async def _change(
    ctx: Context,
    staff: Staff,
    case_id: str,
    update: Document,
    make_events: Callable[[Document], list[Event]],
    expect: Document | None = None,
) -> Document:
    """Apply ``update`` with its events to a case of the caller's office, if ``expect`` holds."""
    case = await open_case(ctx, staff, case_id)
    events = [_case_event(event, case) for event in make_events(case)]
    update.setdefault("$set", {})["updated_at"] = ctx.now()
    changed = await ctx.store.update_case(staff.office_id, case_id, update, events, expect)
    if changed is None:
        raise Conflict("the case changed meanwhile; open it again")
    ctx.notify()
    return changed


async def assign_advisor(
    ctx: Context, staff: Staff, case_id: str, form: forms.AssignAdvisor
) -> Document:
    now = ctx.now()
    case = await open_case(ctx, staff, case_id)
    return await _change(
        ctx,
        staff,
        case_id,
        {"$set": {"advisor_id": form.advisor_id}},
        lambda c: [
            ev.AdvisorAssigned(
                case_id=c["_id"],
                office_id=c["office_id"],
                advisor_id=form.advisor_id,
                previous_advisor_id=c.get("advisor_id"),
                assigned_at=now,
            )
        ],
        expect={"advisor_id": case.get("advisor_id")},
    )


async def change_status(
    ctx: Context, staff: Staff, case_id: str, form: forms.ChangeStatus
) -> Document:
    now = ctx.now()
    case = await open_case(ctx, staff, case_id)
    check_transition(case["status"], form.status, form.reason)
    entry = {
        "status": form.status,
        "reason": form.reason,
        "comment": form.comment,
        "at": now,
        "by": staff.key_id,
    }
    return await _change(
        ctx,
        staff,
        case_id,
        {"$set": {"status": form.status}, "$push": {"history": entry}},
        lambda c: [
            ev.CaseStatusChanged(
                case_id=c["_id"],
                office_id=c["office_id"],
                from_status=c["status"],
                to_status=form.status,
                reason=form.reason,
                changed_at=now,
            )
        ],
        expect={"status": case["status"]},
    )


async def add_note(ctx: Context, staff: Staff, case_id: str, form: forms.AddNote) -> Document:
    now, note_id = ctx.now(), str(uuid.uuid4())
    note = {"id": note_id, "text": form.text, "at": now, "by": staff.key_id}
    return await _change(
        ctx,
        staff,
        case_id,
        {"$push": {"notes": note}},
        lambda c: [
            ev.NoteAdded(case_id=c["_id"], office_id=c["office_id"], note_id=note_id, added_at=now)
        ],
    )


async def record_application(
    ctx: Context, staff: Staff, case_id: str, form: forms.RecordApplication
) -> Document:
    now, application_id = ctx.now(), str(uuid.uuid4())
    application = {
        "id": application_id,
        **form.model_dump(mode="json"),
        "outcome": None,
        "amount_granted_nok": 0,
        "recorded_at": now,
    }
    return await _change(
        ctx,
        staff,
        case_id,
        {"$push": {"applications": application}},
        lambda c: [
            ev.ApplicationRecorded(
                case_id=c["_id"],
                office_id=c["office_id"],
                application_id=application_id,
                programme=form.programme,
                amount_asked_nok=form.amount_asked_nok,
                deadline=form.deadline,
                recorded_at=now,
            )
        ],
    )


async def decide_application(
    ctx: Context, staff: Staff, case_id: str, application_id: str, form: forms.DecideApplication
) -> Document:
    now = ctx.now()
    case = await open_case(ctx, staff, case_id)
    applications = case.get("applications", [])
    if not any(a["id"] == application_id for a in applications):
        raise NotFound(application_id)
    granted = form.amount_granted_nok if form.outcome == "granted" else 0
    decided = [
        {**a, "outcome": form.outcome, "amount_granted_nok": granted, "decided_at": now}
        if a["id"] == application_id
        else a
        for a in applications
    ]
    return await _change(
        ctx,
        staff,
        case_id,
        {"$set": {"applications": decided}},
        lambda c: [
            ev.ApplicationDecided(
                case_id=c["_id"],
                office_id=c["office_id"],
                application_id=application_id,
                outcome=form.outcome,
                amount_granted_nok=granted,
                decided_at=now,
            )
        ],
        expect={"applications": applications},
    )


async def register_company(
    ctx: Context, staff: Staff, case_id: str, form: forms.RegisterCompany
) -> Document:
    now = ctx.now()
    org_number = normalise_org_number(form.org_number)
    case = await open_case(ctx, staff, case_id)
    if case["status"] == "company_registered":
        raise Conflict("the company is recorded already")
    person = await ctx.store.person(case["person_id"]) or {}
    share = bool(person.get("consents", {}).get("share_company_with_partners"))
    company = {
        "org_number": org_number,
        "registered_on": form.registered_on.isoformat(),
        "recorded_at": now,
    }
    entry = {"status": "company_registered", "reason": None, "at": now, "by": staff.key_id}
    return await _change(
        ctx,
        staff,
        case_id,
        {"$set": {"company": company, "status": "company_registered"}, "$push": {"history": entry}},
        lambda c: [
            ev.CaseStatusChanged(
                case_id=c["_id"],
                office_id=c["office_id"],
                from_status=c["status"],
                to_status="company_registered",
                changed_at=now,
            ),
            ev.CompanyRegistered(
                case_id=c["_id"],
                office_id=c["office_id"],
                person_id=c["person_id"],
                municipality=c["municipality"],
                org_number=org_number,
                registered_on=form.registered_on,
                share_with_partners=share,
                first_contact_at=c["created_at"],
            ),
        ],
        expect={"status": case["status"]},
    )


async def make_introduction(
    ctx: Context, staff: Staff, case_id: str, form: forms.MakeIntroduction
) -> Document:
    now, introduction_id = ctx.now(), str(uuid.uuid4())
    introduction = {"id": introduction_id, **form.model_dump(), "at": now, "by": staff.key_id}
    return await _change(
        ctx,
        staff,
        case_id,
        {"$push": {"introductions": introduction}},
        lambda c: [
            ev.IntroductionMade(
                case_id=c["_id"],
                office_id=c["office_id"],
                introduction_id=introduction_id,
                kind=form.kind,
                made_at=now,
            )
        ],
    )


# --- the entrepreneur's own link -------------------------------------------------------------


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
        [_person_event(event, person_id)],
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
        [_person_event(requested, person_id), _person_event(completed, person_id)],
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
