"""Events scheduling publishes on ``hoppid.scheduling``: offered slots and guidance meetings.

Subjects: the case id for offered slots (so they follow the case's order), the booking id for a
meeting's events (booked, rescheduled, cancelled, held, missed, reminder due). No personal data:
people are known by their person and case ids only; advisors by their id (their names and
addresses stay in scheduling's store). Times are UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from hoppid.shared.events.base import Event
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


PUBLISHED: list[type[Event]] = [
    SlotsOffered,
    MeetingBooked,
    MeetingRescheduled,
    MeetingCancelled,
    MeetingHeld,
    MeetingMissed,
    ReminderDue,
]
