"""Events scheduling publishes on ``hoppid.scheduling``: offered slots, guidance meetings, group
programmes (subject: the programme) and office seats (subject: the half-day seat booking).

Subjects: the case id for offered slots (so they follow the case's order), the booking id for a
meeting's events (booked, rescheduled, cancelled, held, missed, reminder due). No personal data:
people are known by their person and case ids only; advisors by their id, except in
``advisor.changed`` (subject: the advisor), whose name and address travel sealed. A digital
meeting's join link (``join_url``) is a secret of the meeting: it travels sealed with the
person's key, like personal data, so it never reaches a partner and erasure makes it
unreadable. Times are UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from hoppid.shared.events.base import Event, pii_field
from hoppid.shared.events.catalogue import catalogue

MeetingType = Literal["first_guidance", "follow_up"]
MeetingMode = Literal["in_person", "digital"]
Actor = Literal["staff", "entrepreneur", "system"]

SOURCE = "/hoppid/scheduling"


class OfferedSlot(BaseModel):
    """One free time the person may book."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    start: datetime = Field(description="Start (UTC)")
    end: datetime = Field(description="End (UTC)")
    advisor_id: str = Field(description="The advisor who would hold the meeting")
    mode: MeetingMode = Field(description="in_person at the office or digital (video)")


@catalogue.register
class SlotsOffered(Event):
    """The earliest fitting free times for a newly opened case; notifications sends them with a
    booking link. An empty list means no advisor is free soon: the office will get in touch."""

    event_type: ClassVar[str] = "no.hoppid.scheduling.slots.offered.v1"
    case_id: str = Field(description="The case, also the event's subject")
    office_id: str = Field(description="The office")
    person_id: str = Field(description="The person the case is about (an id, no personal data)")
    meeting_type: MeetingType = Field(description="The kind of meeting offered")
    slots: list[OfferedSlot] = Field(description="Free times, earliest first")
    offered_at: datetime = Field(description="When (UTC)")


class _MeetingEvent(Event):
    booking_id: str = Field(description="The booking, also the event's subject")
    office_id: str = Field(description="The office")
    case_id: str = Field(description="The case the meeting belongs to")
    person_id: str = Field(description="The person (an id, no personal data)")


def _sequence() -> Any:
    return Field(
        None,
        description=(
            "The meeting's calendar SEQUENCE after this change (0 when booked, one more with "
            "each move and the cancellation); every calendar file of the meeting says it. None "
            "in older events"
        ),
    )


def _join_url() -> Any:
    return pii_field(
        "A digital meeting's own join link (sealed with the person's key: a secret of the "
        "meeting); none for a meeting at the office, an office without a link, older events",
        default=None,
    )


@catalogue.register
class MeetingBooked(_MeetingEvent):
    """A guidance meeting was booked."""

    event_type: ClassVar[str] = "no.hoppid.scheduling.meeting.booked.v1"
    advisor_id: str = Field(description="The advisor who holds the meeting")
    meeting_type: MeetingType = Field(description="first_guidance or follow_up")
    mode: MeetingMode = Field(description="in_person at the office or digital (video)")
    start: datetime = Field(description="Start (UTC)")
    end: datetime = Field(description="End (UTC)")
    booked_by: Actor = Field(description="Who booked: office staff or the entrepreneur")
    booked_at: datetime = Field(description="When (UTC)")
    sequence: int | None = _sequence()
    join_url: str | None = _join_url()


@catalogue.register
class MeetingRescheduled(_MeetingEvent):
    """A booked meeting moved to another time (and possibly another advisor)."""

    event_type: ClassVar[str] = "no.hoppid.scheduling.meeting.rescheduled.v1"
    advisor_id: str = Field(description="The advisor now")
    previous_advisor_id: str = Field(description="The advisor before")
    start: datetime = Field(description="New start (UTC)")
    end: datetime = Field(description="New end (UTC)")
    previous_start: datetime = Field(description="Start before (UTC)")
    rescheduled_by: Actor = Field(description="Who moved it")
    rescheduled_at: datetime = Field(description="When (UTC)")
    mode: MeetingMode | None = Field(None, description="The mode now; none in older events")
    sequence: int | None = _sequence()
    join_url: str | None = _join_url()


@catalogue.register
class MeetingCancelled(_MeetingEvent):
    """A booked meeting was cancelled; its time is free again."""

    event_type: ClassVar[str] = "no.hoppid.scheduling.meeting.cancelled.v1"
    advisor_id: str = Field(description="The advisor")
    start: datetime = Field(description="The start it had (UTC)")
    reason: Literal["entrepreneur", "advisor", "office", "erasure"] = Field(
        description="Reason code (no free text)"
    )
    cancelled_by: Actor = Field(description="Who cancelled")
    cancelled_at: datetime = Field(description="When (UTC)")
    sequence: int | None = _sequence()


@catalogue.register
class MeetingHeld(_MeetingEvent):
    """Staff recorded that the meeting took place."""

    event_type: ClassVar[str] = "no.hoppid.scheduling.meeting.held.v1"
    advisor_id: str = Field(description="The advisor")
    meeting_type: MeetingType = Field(description="first_guidance or follow_up")
    start: datetime = Field(description="Start (UTC)")
    recorded_at: datetime = Field(description="When it was recorded (UTC)")


@catalogue.register
class MeetingMissed(_MeetingEvent):
    """Staff recorded a no-show: the person did not come."""

    event_type: ClassVar[str] = "no.hoppid.scheduling.meeting.missed.v1"
    advisor_id: str = Field(description="The advisor")
    meeting_type: MeetingType = Field(description="first_guidance or follow_up")
    start: datetime = Field(description="Start (UTC)")
    recorded_at: datetime = Field(description="When it was recorded (UTC)")


@catalogue.register
class ReminderDue(_MeetingEvent):
    """A reminder of a booked meeting is due (24 h or 2 h before it); exactly once each."""

    event_type: ClassVar[str] = "no.hoppid.scheduling.reminder.due.v1"
    kind: Literal["24h", "2h"] = Field(description="How long before the meeting")
    advisor_id: str = Field(description="The advisor who holds the meeting")
    mode: MeetingMode = Field(description="in_person at the office or digital (video)")
    start: datetime = Field(description="Start (UTC)")
    end: datetime = Field(description="End (UTC)")
    due_at: datetime = Field(description="When the reminder was due (UTC)")


# --- group sessions: courses, growth programmes, innovation camps, school programmes ---------

ProgrammeKind = Literal["course", "growth_programme", "innovation_camp", "school_programme"]


class _ProgrammeEvent(Event):
    programme_id: str = Field(description="The programme, also the event's subject")
    office_id: str = Field(description="The office that runs it")
    kind: ProgrammeKind = Field(description="course, growth_programme, innovation_camp, ...")


class _EnrolmentEvent(_ProgrammeEvent):
    enrolment_id: str = Field(description="The enrolment (a person, or a school class)")
    person_id: str | None = Field(
        None, description="The person (an id, no personal data); none for a school class"
    )
    case_id: str | None = Field(None, description="The case, when staff enrolled for one")
    participants: int = Field(description="Seats it takes: 1 for a person, a class's head count")
    municipality: str | None = Field(
        None,
        description=(
            "Municipality number the enrolment counts for (e.g. 1539; not personal data): the "
            "person's, from their case, else the office's first; none in older events"
        ),
    )


@catalogue.register
class ProgrammeEnrolled(_EnrolmentEvent):
    """Someone got a seat in a programme (directly, not from the waitlist)."""

    event_type: ClassVar[str] = "no.hoppid.scheduling.programme.enrolled.v1"
    enrolled_by: Actor = Field(description="Office staff or the entrepreneur (their link)")
    enrolled_at: datetime = Field(description="When (UTC)")


@catalogue.register
class ProgrammeWaitlisted(_EnrolmentEvent):
    """The programme was full: the enrolment waits for a seat, in order of arrival."""

    event_type: ClassVar[str] = "no.hoppid.scheduling.programme.waitlisted.v1"
    position: int = Field(description="Place in the waitlist when added (1 = next)")
    waitlisted_by: Actor = Field(description="Office staff or the entrepreneur (their link)")
    waitlisted_at: datetime = Field(description="When (UTC)")


@catalogue.register
class ProgrammePromoted(_EnrolmentEvent):
    """A seat freed and the first waiting enrolment got it (exactly once)."""

    event_type: ClassVar[str] = "no.hoppid.scheduling.programme.promoted.v1"
    promoted_at: datetime = Field(description="When (UTC)")


@catalogue.register
class ProgrammeEnrolmentCancelled(_EnrolmentEvent):
    """An enrolment (seated or waiting) was cancelled; a seat it held is free again."""

    event_type: ClassVar[str] = "no.hoppid.scheduling.programme.enrolment_cancelled.v1"
    was: Literal["enrolled", "waitlisted"] = Field(description="What the enrolment was")
    cancelled_by: Actor = Field(description="Office staff or the entrepreneur (their link)")
    cancelled_at: datetime = Field(description="When (UTC)")
    reason: Literal["enrolment_cancelled", "programme_cancelled"] = Field(
        "enrolment_cancelled",
        description=(
            "enrolment_cancelled: this one enrolment was cancelled; programme_cancelled: the "
            "office cancelled the whole programme (programme.cancelled follows)"
        ),
    )


@catalogue.register
class SessionAttended(_EnrolmentEvent):
    """Staff recorded that an enrolment attended one session (a class: how many came)."""

    event_type: ClassVar[str] = "no.hoppid.scheduling.session.attended.v1"
    session_id: str = Field(description="The session")
    session_start: datetime = Field(description="The session's start (UTC)")
    recorded_at: datetime = Field(description="When it was recorded (UTC)")


class ProgrammeSession(BaseModel):
    """One session of a programme as it is now."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str = Field(description="The session (s1, s2...; stable once created)")
    start: datetime = Field(description="Start (UTC)")
    end: datetime = Field(description="End (UTC)")


ProgrammeChange = Literal["sessions", "capacity"]


@catalogue.register
class ProgrammeChanged(_ProgrammeEvent):
    """The office changed a programme's session times or its capacity. It names no people:
    those still enrolled and waiting are as before (a raised capacity seats the first waiting,
    each with its own ``programme.promoted``), so a consumer that keeps the enrolments (as
    notifications does for session reminders) tells each of them."""

    event_type: ClassVar[str] = "no.hoppid.scheduling.programme.changed.v1"
    changed: list[ProgrammeChange] = Field(description="What changed: sessions, capacity")
    sessions: list[ProgrammeSession] = Field(description="All sessions after the change")
    capacity: int = Field(description="Seats after the change (school programmes: pupils)")
    previous_capacity: int = Field(description="Seats before the change")
    changed_by: Actor = Field(description="Office staff")
    changed_at: datetime = Field(description="When (UTC)")


@catalogue.register
class ProgrammeCancelled(_ProgrammeEvent):
    """The office cancelled the whole programme: it takes no more enrolments and holds no
    reminders. Every enrolment it still had ended just before, each with its own
    ``programme.enrolment_cancelled`` (reason ``programme_cancelled``), which carries the
    person and the municipality as every enrolment event does: a consumer that writes to people
    or counts enrolments needs nothing from this one. Once only, however often it is asked."""

    event_type: ClassVar[str] = "no.hoppid.scheduling.programme.cancelled.v1"
    enrolments_ended: int = Field(description="Enrolments (seated and waiting) it ended")
    seats_freed: int = Field(description="Seats that were taken (a head count)")
    cancelled_by: Actor = Field(description="Office staff")
    cancelled_at: datetime = Field(description="When (UTC)")


# --- office seats (desks) ----------------------------------------------------------------------

Half = Literal["morning", "afternoon"]


class _SeatEvent(Event):
    seat_booking_id: str = Field(description="The seat booking (one half day), the subject")
    office_id: str = Field(description="The office")
    desk_id: str = Field(description="The desk")
    day: date = Field(description="The day (Europe/Oslo)")
    half: Half = Field(description="morning or afternoon (Oslo time)")
    person_id: str | None = Field(None, description="Who sits there (an id, no personal data)")
    municipality: str | None = Field(
        None,
        description=(
            "Municipality number the seat counts for (e.g. 1539; not personal data): the "
            "office's first; none in older events"
        ),
    )


@catalogue.register
class SeatBooked(_SeatEvent):
    """A desk was booked for half a day (a whole day is two, one per half)."""

    event_type: ClassVar[str] = "no.hoppid.scheduling.seat.booked.v1"
    booked_by: Actor = Field(description="Office staff or the entrepreneur (their link)")
    booked_at: datetime = Field(description="When (UTC)")


@catalogue.register
class SeatCheckedIn(_SeatEvent):
    """The person arrived and checked in at the desk."""

    event_type: ClassVar[str] = "no.hoppid.scheduling.seat.checked_in.v1"
    checked_in_at: datetime = Field(description="When (UTC)")


@catalogue.register
class SeatReleased(_SeatEvent):
    """The booking ended before its time and the desk is free again."""

    event_type: ClassVar[str] = "no.hoppid.scheduling.seat.released.v1"
    reason: Literal["cancelled", "no_show"] = Field(description="Reason code (no free text)")
    released_by: Actor = Field(description="Who released it (system: the no-show rule)")
    released_at: datetime = Field(description="When (UTC)")


@catalogue.register
class AdvisorChanged(Event):
    """An advisor was added or changed: notifications keeps their contact to send them mail.

    Name and work address are personal data (staff's): sealed with the vault under the advisor
    id, as if the advisor were the "person". Subject: the advisor id."""

    event_type: ClassVar[str] = "no.hoppid.scheduling.advisor.changed.v1"
    advisor_id: str = Field(description="The advisor, also the event's subject")
    office_id: str = Field(description="The office the advisor works at")
    name: str | None = pii_field("The advisor's name (sealed)", default=None)
    email: str | None = pii_field("The advisor's work address (sealed)", default=None)
    languages: list[str] = Field(description="Languages the advisor speaks, preferred first")
    active: bool = Field(default=True, description="False once the advisor no longer meets people")
    changed_at: datetime = Field(description="When (UTC)")


@catalogue.register
class SessionReminderDue(_ProgrammeEvent):
    """A reminder of a programme session is due (24 h or 2 h before it); exactly once each."""

    event_type: ClassVar[str] = "no.hoppid.scheduling.session.reminder_due.v1"
    session_id: str = Field(description="The session (s1, s2... in time order)")
    reminder: Literal["24h", "2h"] = Field(description="How long before the session")
    start: datetime = Field(description="Session start (UTC)")
    end: datetime = Field(description="Session end (UTC)")
    enrolled: int = Field(description="Seats taken when the reminder was due")
    due_at: datetime = Field(description="When the reminder was due (UTC)")


@catalogue.register
class SchedulingExportAnswered(Event):
    """scheduling's part of a person's export (intake's ``person.export_requested``): their
    offered times, meetings, programme places and desk bookings, as JSON, sealed with the
    person's key (unreadable once they are erased). Subject: the person."""

    event_type: ClassVar[str] = "no.hoppid.scheduling.person_export.answered.v1"
    export_id: str = Field(description="The export this answers")
    person_id: str = Field(description="The person, also the subject")
    answered_at: datetime = Field(description="When (UTC)")
    part: str | None = pii_field(
        "What scheduling holds about the person, a JSON object; None once they are erased",
        default=None,
    )


PUBLISHED: list[type[Event]] = [
    SlotsOffered,
    MeetingBooked,
    MeetingRescheduled,
    MeetingCancelled,
    MeetingHeld,
    MeetingMissed,
    ReminderDue,
    SessionReminderDue,
    ProgrammeEnrolled,
    ProgrammeWaitlisted,
    ProgrammePromoted,
    ProgrammeEnrolmentCancelled,
    ProgrammeChanged,
    ProgrammeCancelled,
    SessionAttended,
    SeatBooked,
    SeatCheckedIn,
    SeatReleased,
    AdvisorChanged,
    SchedulingExportAnswered,
]
