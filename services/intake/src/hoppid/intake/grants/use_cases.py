"""The catalogue's use cases, for the JSON API, the pages and the case's applications alike:
staff of the office (and the county's and the platform's keys) read it; only the office's
admin (or the platform admin) changes it. They are typed against ``GrantRepository``: intake's
database (``Grants.of``) or the in-memory catalogue (memory.py) in unit tests."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from hoppid.intake.grants.forms import ProgrammeForm
from hoppid.intake.grants.model import check_application
from hoppid.intake.grants.store import GrantRepository, GrantStore
from hoppid.shared.access import Staff
from hoppid.shared.clock import real_now
from hoppid.shared.problems import NotFound

Document = dict[str, Any]


@dataclass(frozen=True)
class Grants:
    store: GrantRepository
    now: Callable[[], datetime] = real_now

    @classmethod
    def of(cls, database: AsyncDatabase[Document], now: Callable[[], datetime]) -> Grants:
        return cls(GrantStore(database), now)


async def _office(grants: Grants, office_id: str) -> None:
    if not await grants.store.office_exists(office_id):
        raise NotFound(office_id)


async def programmes(grants: Grants, staff: Staff, office_id: str) -> list[Document]:
    """The office's entries, active or not, by name."""
    if not staff.sees_office(office_id):
        raise PermissionError("the grant programmes of another office")
    await _office(grants, office_id)
    return await grants.store.of_office(office_id, grants.now())


async def active_programmes(grants: Grants, office_id: str) -> list[Document]:
    """What the case page offers for a new application: the office's active entries."""
    return [e for e in await grants.store.of_office(office_id, grants.now()) if e["active"]]


async def programme(grants: Grants, staff: Staff, office_id: str, programme_id: str) -> Document:
    if not staff.sees_office(office_id):
        raise PermissionError("the grant programmes of another office")
    await _office(grants, office_id)
    found = await _entry(grants, office_id, programme_id)
    if found is None:
        raise NotFound(programme_id)
    return found


async def _entry(grants: Grants, office_id: str, programme_id: str) -> Document | None:
    """One of the office's entries, from its list: the seeded entry is there before the
    office's catalogue was ever read too."""
    entries = await grants.store.of_office(office_id, grants.now())
    return next((e for e in entries if e["_id"] == programme_id), None)


def _admin(staff: Staff, office_id: str) -> None:
    if not staff.may_administer(office_id):
        raise PermissionError("only the office's admin changes its grant programmes")


async def add_programme(
    grants: Grants, staff: Staff, office_id: str, form: ProgrammeForm
) -> Document:
    _admin(staff, office_id)
    await _office(grants, office_id)
    await grants.store.of_office(office_id, grants.now())  # the seeded entry comes first
    now = grants.now()
    entry = {
        "_id": uuid.uuid4().hex,
        "office_id": office_id,
        **form.model_dump(),
        "created_at": now,
        "changed_at": now,
    }
    await grants.store.add(entry)
    return entry


async def change_programme(
    grants: Grants, staff: Staff, office_id: str, programme_id: str, form: ProgrammeForm
) -> Document:
    _admin(staff, office_id)
    fields = {**form.model_dump(), "changed_at": grants.now()}
    return await _changed(grants, office_id, programme_id, fields)


async def set_active(
    grants: Grants, staff: Staff, office_id: str, programme_id: str, active: bool
) -> Document:
    """Deactivate (or offer again) an entry: the applications recorded against it keep it."""
    _admin(staff, office_id)
    fields = {"active": active, "changed_at": grants.now()}
    return await _changed(grants, office_id, programme_id, fields)


async def _changed(grants: Grants, office_id: str, programme_id: str, fields: Document) -> Document:
    changed = await grants.store.change(office_id, programme_id, fields)
    if changed is None:
        raise NotFound(programme_id)
    return changed


async def for_application(
    grants: Grants, office_id: str, programme_id: str, amount_nok: int
) -> Document:
    """The office's active entry an application asking ``amount_nok`` is recorded against;
    RuleViolation naming ``programme_id`` or ``amount_asked_nok`` otherwise."""
    return check_application(await _entry(grants, office_id, programme_id), office_id, amount_nok)
