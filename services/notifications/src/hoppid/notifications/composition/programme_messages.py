"""Messages about group programmes and office seats, to the person: pure functions, no I/O.

Scheduling names the person by id (none for a school class: then there is nobody to write to);
the address and language come from the contact copy (hoppid.notifications.copies.people).
"""

from __future__ import annotations

from hoppid.contracts import scheduling as sched
from hoppid.notifications.composition import wording
from hoppid.notifications.composition.messages import to_person
from hoppid.notifications.copies.people import Person
from hoppid.notifications.copies.programmes import Enrolment
from hoppid.notifications.model import Outgoing, language_of


def enrolment(
    message: str, event: Enrolment, person: Person | None, cause_event_id: str
) -> Outgoing | None:
    """programme_enrolled / _waitlisted / _promoted; None for a school class (no person)."""
    if event.person_id is None:
        return None
    language = language_of(person.language if person else None)
    values = {"programme": wording.programme(event.kind, language)}
    if isinstance(event, sched.ProgrammeWaitlisted):
        values["position"] = str(event.position)
    return to_person(
        message, event.person_id, person, event.office_id, cause_event_id, values, event.case_id
    )


def session_reminder(
    event: sched.SessionReminderDue, person_id: str, person: Person | None, cause_event_id: str
) -> Outgoing:
    """session_reminder_24h / _2h to one seated participant."""
    language = language_of(person.language if person else None)
    values = {
        "programme": wording.programme(event.kind, language),
        "time": wording.oslo_time(event.start, event.end, language),
    }
    message = f"session_reminder_{event.reminder}"
    return to_person(message, person_id, person, event.office_id, cause_event_id, values)


def programme_changed(
    event: sched.ProgrammeChanged, person_id: str, person: Person | None, cause_event_id: str
) -> Outgoing:
    """programme_changed: the sessions still to come (Oslo time), one a line."""
    language = language_of(person.language if person else None)
    coming = [s for s in event.sessions if s.end > event.changed_at]
    lines = [f"- {wording.oslo_time(s.start, s.end, language)}" for s in coming]
    values = {"programme": wording.programme(event.kind, language), "sessions": "\n".join(lines)}
    office = event.office_id
    return to_person("programme_changed", person_id, person, office, cause_event_id, values)


def programme_cancelled(
    event: sched.ProgrammeEnrolmentCancelled, person: Person | None, cause_event_id: str
) -> Outgoing | None:
    """programme_cancelled: to a person whose place (seat or waiting) ended with the programme;
    None for a school class (no person)."""
    if event.person_id is None:
        return None
    language = language_of(person.language if person else None)
    values = {"programme": wording.programme(event.kind, language)}
    return to_person(
        "programme_cancelled",
        event.person_id,
        person,
        event.office_id,
        cause_event_id,
        values,
        event.case_id,
    )


def seat_booked(
    event: sched.SeatBooked, person: Person | None, cause_event_id: str
) -> Outgoing | None:
    """seat_booked: the day and half day (Oslo); None when no person is named."""
    if event.person_id is None:
        return None
    language = language_of(person.language if person else None)
    values = {
        "day": wording.oslo_day(event.day, language),
        "half": wording.half_day(event.half, language),
        "desk": event.desk_id,
    }
    return to_person(
        "seat_booked", event.person_id, person, event.office_id, cause_event_id, values
    )
