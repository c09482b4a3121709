"""Office staff's case work: the pipeline, notes, applications, the company, introductions."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

from hoppid.contracts import intake as ev
from hoppid.intake.cases import forms
from hoppid.intake.cases.store import CaseChange, CaseRepository
from hoppid.intake.context import (
    Conflict,
    Context,
    Document,
    NotFound,
    case_event,
)
from hoppid.intake.grants.use_cases import Grants, for_application
from hoppid.intake.model import (
    OSLO,
    RuleViolation,
    check_transition,
    normalise_org_number,
)
from hoppid.intake.search import parse_query
from hoppid.shared.access import Staff
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event


def _cases(ctx: Context) -> CaseRepository:
    """The cases' repository: intake's store, or the in-memory one (memory.py) in unit tests."""
    return ctx.store


# --- office staff --------------------------------------------------------------------------


async def find_cases(
    ctx: Context,
    staff: Staff,
    filters: Mapping[str, Any],
    limit: int,
    offset: int,
) -> list[Document]:
    """The caller's office's cases, newest first. ``filters``: status, need, advisor,
    municipality, since (from that day) and until (before that day), days in Oslo."""
    query: Document = {}
    for name, field in (
        ("status", "status"),
        ("need", "needs"),
        ("advisor", "advisor_id"),
        ("municipality", "municipality"),
    ):
        if filters.get(name):
            query[field] = filters[name]
    since, until = (_midnight(filters.get(name)) for name in ("since", "until"))
    # a day ahead: a case written by another instance whose clock runs a little ahead
    newest = until or ctx.now() + timedelta(days=1)
    return await _cases(ctx).find_cases(
        staff.office_id, query, limit, offset, newest=newest, oldest=since, since=since, until=until
    )


def _midnight(day: object) -> datetime | None:
    """The day's start in Oslo; None when no day is given."""
    return datetime.combine(day, time(), OSLO) if isinstance(day, date) else None


SEARCH_READ = 500  # cases read for one search key at most, newest first


async def search_cases(ctx: Context, staff: Staff, query: str, limit: int) -> list[Document]:
    """The caller's office's cases found by a reference, an email, a phone or a name's
    beginnings (search.py), newest first; QueryRefused when ``query`` is no search.

    A name of several words looks up its longest in the index and keeps the cases holding the
    others' keys too, among the newest ``SEARCH_READ`` that hold the longest."""
    search = parse_query(ctx.link_secret, query)
    if search.reference:
        case = await _cases(ctx).case_by_reference(staff.office_id, search.reference)
        return [case] if case else []
    first, *rest = search.keys
    read = SEARCH_READ if rest else limit
    found = await _cases(ctx).search_cases(staff.office_id, first, read)
    return [c for c in found if set(rest) <= set(c.get("search_keys", ()))][:limit]


async def open_case(ctx: Context, staff: Staff, case_id: str) -> Document:
    case = await _cases(ctx).case(staff.office_id, case_id)
    if case is None:
        raise NotFound(case_id)
    return case


async def _change(
    ctx: Context,
    staff: Staff,
    case_id: str,
    change: CaseChange,
    make_events: Callable[[Document], list[Event]],
    expect: Document | None = None,
) -> Document:
    """Make ``change`` with its events to a case of the caller's office, if ``expect`` holds."""
    case = await open_case(ctx, staff, case_id)
    events = [await _sealed(ctx, event, case) for event in make_events(case)]
    change = replace(change, fields={**change.fields, "updated_at": ctx.now()})
    changed = await _cases(ctx).change_case(staff.office_id, case_id, change, events, expect)
    if changed is None:
        raise Conflict("the case changed meanwhile; open it again")
    ctx.notify()
    return changed


async def _sealed(ctx: Context, event: Event, case: Document) -> Envelope:
    """The case event's envelope, its personal fields sealed with the person's key."""
    envelope = case_event(event, case)
    if not type(event).pii_fields():
        return envelope
    try:
        return await ctx.vault.seal(envelope, type(event), case["person_id"])
    except PermissionError:
        raise Conflict("the person is erased: the case takes no new personal data") from None


async def assign_advisor(
    ctx: Context, staff: Staff, case_id: str, form: forms.AssignAdvisor
) -> Document:
    now = ctx.now()
    case = await open_case(ctx, staff, case_id)
    return await _change(
        ctx,
        staff,
        case_id,
        CaseChange(fields={"advisor_id": form.advisor_id}),
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
        CaseChange(fields={"status": form.status}, appended={"history": entry}),
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
        CaseChange(appended={"notes": note}),
        lambda c: [
            ev.NoteAdded(case_id=c["_id"], office_id=c["office_id"], note_id=note_id, added_at=now)
        ],
    )


async def edit_note(
    ctx: Context, staff: Staff, case_id: str, note_id: str, form: forms.EditNote
) -> Document:
    """Change a note its writer wrote (PermissionError for anyone else's). The note keeps each
    earlier text with who changed it and when (``edits``), like the case keeps its history;
    ``note.edited`` tells the other services that it changed, never what it says."""
    now = ctx.now()
    case = await open_case(ctx, staff, case_id)
    notes = case.get("notes", [])
    note = next((n for n in notes if n["id"] == note_id), None)
    if note is None or note.get("text") is None:  # an erased person's notes keep no text
        raise NotFound(note_id)
    if note.get("by") != staff.key_id:
        raise PermissionError("only the note's writer may change it")
    if note["text"] == form.text:
        return case
    edit = {"at": now, "by": staff.key_id, "previous": note["text"]}
    edited = {**note, "text": form.text, "edited_at": now, "edits": [*note.get("edits", []), edit]}
    return await _change(
        ctx,
        staff,
        case_id,
        CaseChange(fields={"notes": [edited if n["id"] == note_id else n for n in notes]}),
        lambda c: [
            ev.NoteEdited(
                case_id=c["_id"], office_id=c["office_id"], note_id=note_id, edited_at=now
            )
        ],
        expect={"notes": notes},  # another change of the notes meanwhile: a Conflict
    )


async def record_application(
    ctx: Context, staff: Staff, case_id: str, form: forms.RecordApplication
) -> Document:
    """An application to one of the office's active grant programmes (``programme_id``: the
    amount at most its maximum) or, as before the catalogue, to a free-text ``programme``."""
    now, application_id = ctx.now(), str(uuid.uuid4())
    programme = await _programme(ctx, staff, form)
    application = {
        "id": application_id,
        **form.model_dump(mode="json"),
        **programme,
        "outcome": None,
        "amount_granted_nok": 0,
        "recorded_at": now,
    }
    return await _change(
        ctx,
        staff,
        case_id,
        CaseChange(appended={"applications": application}),
        lambda c: [
            ev.ApplicationRecorded(
                case_id=c["_id"],
                office_id=c["office_id"],
                application_id=application_id,
                programme=programme["programme"],
                programme_id=form.programme_id,
                amount_asked_nok=form.amount_asked_nok,
                deadline=form.deadline,
                recorded_at=now,
            )
        ],
    )


async def _programme(ctx: Context, staff: Staff, form: forms.RecordApplication) -> Document:
    """The application's programme as stored: the catalogue entry's names, or the free text."""
    if form.programme_id and form.programme:
        raise RuleViolation("programme", "give programme_id or programme, not both")
    if form.programme:
        return {"programme": form.programme}
    if not form.programme_id:
        raise RuleViolation("programme_id", "choose one of the office's grant programmes")
    grants = Grants.of(ctx.store.db, ctx.now)
    entry = await for_application(grants, staff.office_id, form.programme_id, form.amount_asked_nok)
    return {"programme": entry["name"], "programme_en": entry.get("name_en")}


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
        CaseChange(fields={"applications": decided}),
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
    person = await _cases(ctx).person(case["person_id"]) or {}
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
        CaseChange(
            fields={"company": company, "status": "company_registered"},
            appended={"history": entry},
        ),
        lambda c: [
            ev.CaseStatusChanged(
                case_id=c["_id"],
                office_id=c["office_id"],
                from_status=c["status"],
                to_status="company_registered",
                changed_at=now,
            ),
            ev.CompanyRegisteredV2(
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
        CaseChange(appended={"introductions": introduction}),
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
