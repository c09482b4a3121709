"""Office administration: offices and their API keys. Typed against ``OfficeRepository``
(store.py): intake's store, or the in-memory one (memory.py) in unit tests."""

from __future__ import annotations

from datetime import datetime

from hoppid.contracts import intake as ev
from hoppid.intake.context import (
    Conflict,
    Context,
    Document,
    NotFound,
)
from hoppid.intake.model import (
    RuleViolation,
)
from hoppid.intake.offices import forms
from hoppid.intake.offices.store import OfficeRepository
from hoppid.shared.access import ALL_OFFICES, Staff, new_api_key
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.tenancy import OfficeRegistry


def _offices(ctx: Context) -> OfficeRepository:
    """The offices' repository: intake's store, or the in-memory one in unit tests."""
    return ctx.store


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
        if await _offices(ctx).office(office.id) is None:
            document = {"_id": office.id, **office.model_dump(mode="json", exclude={"id"})}
            document["municipalities"] = list(document["municipalities"])
            document["languages"] = list(document["languages"])
            await _offices(ctx).save_office(document, [_office_changed(document, ctx.now())])
    ctx.notify()


async def save_office(
    ctx: Context, staff: Staff, office_id: str, form: forms.OfficeForm, *, new: bool
) -> Document:
    if new and staff.role != "platform_admin":
        raise PermissionError("only the platform admin adds offices")
    if not new and not staff.may_administer(office_id):
        raise PermissionError("not an admin of this office")
    offices = await _offices(ctx).offices()  # read now, not the inquiries' recent copy
    existing = next((o for o in offices if o["_id"] == office_id), None)
    if new and existing is not None:
        raise Conflict(f"office {office_id} exists already")
    if not new and existing is None:
        raise NotFound(office_id)
    serving = {n: o["_id"] for o in offices for n in o.get("municipalities", ())}
    for number in form.municipalities:
        holder = serving.get(number)
        if holder is not None and holder != office_id:
            raise RuleViolation("municipalities", f"{number} is served by {holder}")
    document = office_document(office_id, form)
    await _offices(ctx).save_office(document, [_office_changed(document, ctx.now())])
    ctx.notify()
    return document


async def issue_key(ctx: Context, staff: Staff, office_id: str, role: str, label: str) -> Document:
    """A new key, shown once; every service learns it from ``api_key.issued``."""
    if office_id == ALL_OFFICES:
        if staff.role != "platform_admin" or role not in ("county", "partner"):
            raise PermissionError("only the platform admin issues county and partner keys")
    else:
        if not staff.may_administer(office_id):
            raise PermissionError("not an admin of this office")
        if await _offices(ctx).office(office_id) is None:
            raise NotFound(office_id)
    now = ctx.now()
    key_id, full_key, key_hash = new_api_key()
    issued = ev.ApiKeyIssued(
        key_id=key_id, office_id=office_id, role=role, key_hash=key_hash, issued_at=now
    )
    document = {
        "_id": key_id,
        "office_id": office_id,
        "role": role,
        "label": label,
        "hash": key_hash,
        "issued_at": now,
        "created_by": staff.key_id,
        "revoked_at": None,
    }
    await _offices(ctx).add_key(document, [_key_event(issued, key_id, office_id)])
    ctx.notify()
    return {"key_id": key_id, "key": full_key, "office_id": office_id, "role": role}


async def revoke_key(ctx: Context, staff: Staff, office_id: str, key_id: str) -> None:
    if not staff.may_administer(office_id):
        raise PermissionError("not an admin of this office")
    now = ctx.now()
    revoked = ev.ApiKeyRevoked(key_id=key_id, office_id=office_id, revoked_at=now)
    event = _key_event(revoked, key_id, office_id)
    if not await _offices(ctx).revoke_key(office_id, key_id, now, [event]):
        raise NotFound(key_id)
    ctx.notify()


def _key_event(event: Event, key_id: str, office_id: str) -> Envelope:
    office = "" if office_id == ALL_OFFICES else office_id
    return event.to_envelope(source=ev.SOURCE, subject=key_id, office=office)
