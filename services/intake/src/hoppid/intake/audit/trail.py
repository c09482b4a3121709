"""The audit trail's entries: who (an ``Actor``), what (the action, the channel it came by),
which cases and people (ids and references only), when and why; written before the act
(see the package's docstring), read newest first by office; kept by the trail's repository
(``store.AuditRepository``), the actors named by ``hoppid.intake.staff_names``.

Imports no handler: the handlers themselves write to it (a correction, an erasure)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from hoppid.intake.audit.store import AuditRepository, AuditStore
from hoppid.intake.model import RuleViolation
from hoppid.intake.search import parse_query
from hoppid.intake.staff_names.store import staff_names
from hoppid.shared.access import PLATFORM_ADMIN_ID, Staff

if TYPE_CHECKING:
    from hoppid.intake.context import Context

Document = dict[str, Any]
ACTIONS = ("read", "search", "export", "correction", "erasure")
Action = Literal["read", "search", "export", "correction", "erasure"]
Channel = Literal["page", "api", "link", "system"]
ActorKind = Literal["account", "key", "platform_admin", "person", "system"]
ACCOUNT_PREFIX = "account:"  # how a session names a staff account (accounts.account_key)
REASON_MIN, REASON_MAX = 3, 500
# what a typed reason may not hold: an email address or a phone number, anyone's
EMAIL_LIKE = re.compile(r"\S@\S")
PHONE_LIKE = re.compile(r"(?:\d[\s().+-]{0,2}){8,}")


@dataclass(frozen=True)
class Actor:
    """Who acted: a staff account (its subject and name), an API key (its id and label), the
    platform admin, the person through their own link (their id), or a pass of the platform."""

    kind: ActorKind
    id: str
    name: str | None = None

    def document(self) -> Document:
        return {"kind": self.kind, "id": self.id, "name": self.name}


RETENTION = Actor("system", "retention", "retention pass")
RESTORE = Actor("system", "restore", "re-erasure after a restore")


def the_person(person_id: str) -> Actor:
    return Actor("person", person_id)


def repository(ctx: Context) -> AuditRepository:
    """The trail: the context's own (a test's memory one), else the store, in intake's
    database or the one ``HOPPID_INTAKE_AUDIT_DATABASE`` names."""
    if ctx.audit is not None:
        return ctx.audit
    return AuditStore.of(ctx.store.db, ctx.audit_database)


async def audit_indexes(ctx: Context) -> None:
    """The trail's indexes, in whichever database holds it (made at every start)."""
    await AuditStore.of(ctx.store.db, ctx.audit_database).make_indexes()


async def actor_of(ctx: Context, staff: Staff) -> Actor:
    """The staff member as the trail names them, by the name they have now."""
    if staff.key_id == PLATFORM_ADMIN_ID:
        return Actor("platform_admin", PLATFORM_ADMIN_ID, "platform admin")
    if staff.key_id.startswith(ACCOUNT_PREFIX):
        subject = staff.key_id.removeprefix(ACCOUNT_PREFIX)
        return Actor("account", subject, await staff_names(ctx).account_name(subject))
    return Actor("key", staff.key_id, await staff_names(ctx).key_label(staff.key_id))


def entry(
    at: datetime,
    office_id: str | None,
    action: Action,
    channel: Channel,
    actor: Actor,
    cases: Sequence[Document],
    *,
    person_ids: Iterable[str] = (),
    reason: str | None = None,
    details: Document | None = None,
) -> Document:
    """One entry: ids and references of the cases, never their content."""
    people = {c["person_id"] for c in cases if c.get("person_id")} | set(person_ids)
    return {
        "_id": str(uuid.uuid4()),
        "at": at,
        "office_id": office_id,
        "action": action,
        "channel": channel,
        "actor": actor.document(),
        "case_ids": [c["_id"] for c in cases],
        "case_references": [c["reference"] for c in cases],
        "person_ids": sorted(people),
        "reason": reason,
        "details": details or {},
    }


async def write(ctx: Context, entries: list[Document]) -> None:
    """Into the store, or an error: the caller's act must not go on without it."""
    await repository(ctx).write(entries)


async def staff_act(
    ctx: Context,
    staff: Staff,
    action: Action,
    channel: Channel,
    cases: Sequence[Document],
    *,
    reason: str | None = None,
    details: Document | None = None,
) -> None:
    """A staff member's act on cases of their office (a search that found none: no cases)."""
    actor = await actor_of(ctx, staff)
    at, office = ctx.now(), staff.office_id
    await write(
        ctx, [entry(at, office, action, channel, actor, cases, reason=reason, details=details)]
    )


async def case_read(
    ctx: Context, staff: Staff, case: Document, channel: Channel, contact_details: bool
) -> None:
    """A staff member read a case (the page shows its person's contact details too)."""
    details = {"contact_details": contact_details}
    await staff_act(ctx, staff, "read", channel, [case], details=details)


async def searched(
    ctx: Context, staff: Staff, query: str, cases: Sequence[Document], channel: Channel
) -> None:
    """A staff member searched the office's cases: by what kind of query and what it found,
    never the query (an email, a phone or a name)."""
    details = {"by": parse_query(ctx.link_secret, query).kind}
    await staff_act(ctx, staff, "search", channel, cases, details=details)


async def person_act(
    ctx: Context,
    person_id: str,
    action: Action,
    actor: Actor,
    channel: Channel,
    details: Document | None = None,
) -> None:
    """An act on a person as a whole (their export, correction, erasure): one entry for each
    office holding a case of theirs, so each office's admin sees it (one without an office if
    they have no case)."""
    by_office: dict[str | None, list[Document]] = {}
    for case in await ctx.store.cases_of_person(person_id):
        by_office.setdefault(case["office_id"], []).append(case)
    now = ctx.now()
    entries = [
        entry(now, office, action, channel, actor, cases, person_ids=[person_id], details=details)
        for office, cases in (by_office or {None: []}).items()
    ]
    await write(ctx, entries)


def checked_reason(reason: str | None, person: Document) -> str:
    """The reason as typed (stripped), if it says something and holds no contact details: the
    person's name, email or phone, or any email address or phone number (RuleViolation on
    ``reason`` otherwise)."""
    text = (reason or "").strip()
    if not REASON_MIN <= len(text) <= REASON_MAX:
        raise RuleViolation("reason", "say why the data is exported (3 to 500 characters)")
    folded = text.casefold()
    own = [person.get(k) for k in ("name", "email")]
    digits = re.sub(r"\D", "", str(person.get("phone") or ""))
    if (
        EMAIL_LIKE.search(text)
        or PHONE_LIKE.search(text)
        or any(value and str(value).casefold() in folded for value in own)
        or (len(digits) >= 8 and digits[-8:] in re.sub(r"\D", "", text))
    ):
        raise RuleViolation(
            "reason", "the reason must not hold a name, email or phone: the audit log keeps none"
        )
    return text


async def entries(
    ctx: Context,
    office_id: str,
    *,
    reference: str | None = None,
    action: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Document]:
    """A page of the office's trail, newest first, of one case and one action if given."""
    return await repository(ctx).page(
        office_id, reference=reference, action=action, limit=limit, offset=offset
    )


async def purge(ctx: Context, before: datetime) -> int:
    """Delete the entries older than ``before``; how many."""
    return await repository(ctx).purge(before)
