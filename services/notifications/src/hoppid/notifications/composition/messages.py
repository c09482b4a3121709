"""Which message an event causes, to whom, with which values: pure functions, no I/O.

An event (and what is known of the person, office and booking) in, an
:class:`~hoppid.notifications.model.Outgoing` out. Meeting messages carry a calendar file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from hoppid.contracts import intake as intake_events
from hoppid.contracts import scheduling as scheduling_events
from hoppid.notifications.composition import ics, wording
from hoppid.notifications.copies.offices import OfficeView
from hoppid.notifications.copies.people import Person
from hoppid.notifications.model import Outgoing, language_of


def to_person(
    message: str,
    person_id: str,
    person: Person | None,
    office_id: str,
    cause_event_id: str,
    values: Mapping[str, str],
    case_id: str | None = None,
) -> Outgoing:
    """A service message (always sent) to the person, in their language, addressed from their
    contact copy; without one (never seen, or erased) it has no address and is not sent."""
    return Outgoing(
        message=message,
        channel="email",
        recipient_kind="person",
        recipient_id=person_id,
        address=person.email if person else None,
        office_id=office_id,
        language=language_of(person.language if person else None),
        cause_event_id=cause_event_id,
        message_class="service",
        values={"name": person.name if person else "", **values},
        case_id=case_id,
        person_id=person_id,
        link_token=person.link_token if person else None,
    )


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
        message_class="service",
        values={
            "name": event.name or "",
            "reference": event.reference,
            "case_link": f"{link_base_url}{event.case_link_token or ''}",
        },
        case_id=event.case_id,
        person_id=event.person_id,
        link_token=event.case_link_token,
    )


def new_link(event: intake_events.LinkIssued, cause_event_id: str, link_base_url: str) -> Outgoing:
    """A new link the person asked for, to the address intake holds for them (the event's,
    never one typed into the form). After erasure the fields read None: suppressed."""
    readable = event.email is not None and event.link_token is not None
    return Outgoing(
        message="new_link",
        channel="email",
        recipient_kind="person",
        recipient_id=event.person_id,
        address=event.email if readable else None,
        office_id=event.office_id,
        language=language_of(event.language),
        cause_event_id=cause_event_id,
        message_class="service",
        values={"name": event.name or "", "case_link": f"{link_base_url}{event.link_token or ''}"},
        person_id=event.person_id,
        link_token=event.link_token,
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
        message_class="service",
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
    event: intake_events.ConsentWithdrawn, person: Person | None, cause_event_id: str
) -> Outgoing:
    """Confirms a withdrawn consent, if the person's address is still known (not erased)."""
    office_id = person.office_id if person else ""
    message = f"consent_withdrawn_{event.consent}"
    return to_person(message, event.person_id, person, office_id, cause_event_id, {})


def slots_offered(
    event: scheduling_events.SlotsOffered,
    person: Person | None,
    booking_base_url: str,
    cause_event_id: str,
) -> Outgoing:
    """The offered times in Oslo time with the booking link; none free: the office calls."""
    language = language_of(person.language if person else None)
    lines = [
        f"- {wording.oslo_time(slot.start, slot.end, language)}, "
        f"{wording.mode(slot.mode, language)}"
        for slot in event.slots
    ]
    values = {
        "slots": "\n".join(lines),
        # the person's own signed link: the booking page acts for them, nobody else
        "booking_link": f"{booking_base_url}{person.link_token}/meetings"
        if person and person.link_token
        else "",
    }
    message = "slots_offered" if event.slots else "slots_unavailable"
    return to_person(
        message, event.person_id, person, event.office_id, cause_event_id, values, event.case_id
    )


@dataclass(frozen=True)
class MeetingVersion:
    """One version of a meeting as a calendar knows it (kept per booking: see store)."""

    booking_id: str
    office_id: str
    case_id: str
    person_id: str
    sequence: int
    start: datetime
    end: datetime | None
    mode: str  # in_person, digital, or "" when the booking was never seen booked
    stamp: datetime  # the event's time
    previous_start: datetime | None = None
    join_url: str = ""  # a digital meeting's own link ("" for none, or once cancelled)


def meeting_notice(
    message: str,
    method: ics.Method,
    meeting: MeetingVersion,
    person: Person | None,
    office: OfficeView,
    organizer_address: str,
    cause_event_id: str,
) -> Outgoing:
    """meeting_booked / _rescheduled / _cancelled to the person, with the calendar file."""
    language = language_of(person.language if person else None)
    previous = meeting.previous_start
    values = {
        "time": wording.oslo_time(meeting.start, meeting.end, language),
        "previous_time": wording.oslo_time(previous, None, language) if previous else "",
        "mode": wording.mode(meeting.mode, language),
        "join": wording.join_line(meeting.join_url if method == "REQUEST" else "", language),
    }
    calendar = None
    if person is not None:
        calendar = ics.calendar(_ics_meeting(meeting, person, office, organizer_address), method)
    out = to_person(
        message,
        meeting.person_id,
        person,
        meeting.office_id,
        cause_event_id,
        values,
        meeting.case_id,
    )
    return replace(out, calendar=calendar, calendar_method=method)


def _ics_meeting(
    meeting: MeetingVersion, person: Person, office: OfficeView, organizer_address: str
) -> ics.Meeting:
    language = language_of(person.language)
    return ics.Meeting(
        booking_id=meeting.booking_id,
        sequence=meeting.sequence,
        start=meeting.start,
        end=meeting.end,
        summary=wording.meeting_summary(office.name, language),
        location=wording.location(meeting.mode, office.name, language) if meeting.mode else "",
        organizer_name=office.name,
        organizer_address=organizer_address,
        attendee_name=person.name,
        attendee_address=person.email,
        stamp=meeting.stamp,
        join_url=meeting.join_url,
    )


def meeting_reminder(
    event: scheduling_events.ReminderDue,
    person: Person | None,
    cause_event_id: str,
    join_url: str = "",
) -> Outgoing:
    """A reminder 24 h or 2 h before the meeting (a service message: always sent), with a
    digital meeting's join link."""
    language = language_of(person.language if person else None)
    values = {
        "time": wording.oslo_time(event.start, event.end, language),
        "mode": wording.mode(event.mode, language),
        "join": wording.join_line(join_url, language),
    }
    message = f"meeting_reminder_{event.kind}"
    return to_person(
        message, event.person_id, person, event.office_id, cause_event_id, values, event.case_id
    )


def erasure_done(
    event: intake_events.ErasureRequested, person: Person | None, cause_event_id: str
) -> Outgoing:
    """The last message: the person's data is erased. Its address and text are dropped as soon
    as it is sent or given up, and it carries no link (the person's links no longer work)."""
    return Outgoing(
        message="erasure_done",
        channel="email",
        recipient_kind="person",
        recipient_id=event.person_id,
        address=person.email if person else None,
        office_id=person.office_id if person else "",
        language=language_of(person.language if person else None),
        cause_event_id=cause_event_id,
        message_class="service",
        person_id=event.person_id,
        erase_when_done=True,
    )
