"""Which message an event causes, to whom, with which values: pure functions, no I/O.

Booking messages (scheduling's meetings, reminders, calendar files) slot in here as more
functions of the same shape once scheduling's events are settled: an event in, an
:class:`~hoppid.notifications.model.Outgoing` out.
"""

from __future__ import annotations

from typing import Any

from hoppid.notifications.model import Outgoing, language_of
from hoppid.notifications.offices import OfficeView
from hoppid.shared.events import intake as intake_events


def inquiry_receipt(
    event: intake_events.InquiryReceived, cause_event_id: str, link_base_url: str
) -> Outgoing:
    """The receipt with the person's own link. After erasure the fields read None: suppressed."""
    readable = event.email is not None and event.case_link_token is not None
    return Outgoing(
        message="inquiry_receipt",
        channel="email",
        recipient_kind="person",
        recipient_id=event.person_id,
        address=event.email if readable else None,
        office_id=event.office_id,
        language=language_of(event.language),
        cause_event_id=cause_event_id,
        values={
            "name": event.name or "",
            "reference": event.reference,
            "case_link": f"{link_base_url}{event.case_link_token or ''}",
        },
        case_id=event.case_id,
        person_id=event.person_id,
    )


def new_case_notice(
    event: intake_events.CaseOpened, office: OfficeView, cause_event_id: str
) -> Outgoing:
    """To the office's contact address, in the office's first language; no personal data."""
    return Outgoing(
        message="new_case_notice",
        channel="email",
        recipient_kind="office",
        recipient_id=office.id,
        address=office.contact_email or None,
        office_id=office.id,
        language=office.language,
        cause_event_id=cause_event_id,
        values={
            "reference": event.reference,
            "case_id": event.case_id,
            "municipality": event.municipality,
            "needs": ", ".join(event.needs),
            "stage": event.stage,
            "meeting_mode": event.meeting_mode,
            "language": event.language,
        },
        case_id=event.case_id,
    )


def consent_confirmation(
    event: intake_events.ConsentWithdrawn, person: dict[str, Any] | None, cause_event_id: str
) -> Outgoing:
    """Confirms a withdrawn consent, if the person's address is still known (not erased)."""
    known = person is not None and not person.get("erased_at")
    details = person if known and person is not None else {}
    return Outgoing(
        message=f"consent_withdrawn_{event.consent}",
        channel="email",
        recipient_kind="person",
        recipient_id=event.person_id,
        address=details.get("email"),
        office_id=details.get("office_id", ""),
        language=language_of(details.get("language")),
        cause_event_id=cause_event_id,
        values={"name": details.get("name") or ""},
        person_id=event.person_id,
    )
