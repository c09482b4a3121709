"""What every intake use case, page and consumer is handed: the context; with the errors they
raise and how intake's events are addressed (by case, with its office, or by person)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from hoppid.contracts import intake as ev
from hoppid.intake.store import IntakeStore
from hoppid.shared.clock import real_now
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.pii import PersonalDataVault
from hoppid.shared.problems import Conflict, NotFound

if TYPE_CHECKING:
    from hoppid.intake.audit.store import AuditRepository
    from hoppid.intake.staff_names.store import StaffNames

Document = dict[str, Any]
__all__ = ["Conflict", "Context", "Document", "NotFound", "case_event", "person_event"]


@dataclass
class Context:
    store: IntakeStore
    link_secret: str
    link_days: int
    notify: Callable[[], None]  # wakes the outbox relay after a write
    vault: PersonalDataVault  # seals personal fields on the topic; erasure destroys the key
    now: Callable[[], datetime] = real_now
    wake_links: Callable[[], None] = lambda: None  # wakes the link requests' pass
    audit_database: str = ""  # the audit trail's own database; empty: this one (audit/)
    # the audit trail's and staff names' repositories; None (as the service runs): on the
    # store's database (audit.trail.repository, staff_names.store.staff_names); tests of the
    # use cases may give memory ones
    audit: AuditRepository | None = None
    staff_names: StaffNames | None = None


def case_event(event: Event, case: Document) -> Envelope:
    return event.to_envelope(
        source=ev.SOURCE,
        subject=case["_id"],
        office=case["office_id"],
        municipality=case["municipality"],
    )


def person_event(event: Event, person_id: str) -> Envelope:
    return event.to_envelope(source=ev.SOURCE, subject=person_id)
