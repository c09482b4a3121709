"""A calendar file (iCalendar, RFC 5545) for one meeting: invitation, update or cancellation.

Written by the platform's one calendar writer (``hoppid.shared.calendar``), which scheduling
uses for the download and the feeds: UID ``<booking id>@hoppid``, scheduling's SEQUENCE (carried
by the meeting events), Oslo times with ``TZID=Europe/Oslo`` and its VTIMEZONE. So a calendar
files an update (same UID, higher SEQUENCE) or a cancellation (METHOD:CANCEL) onto the one entry
it shows, whether the person imported the mail's file, the download or both. A digital
meeting's join link is its LOCATION and URL; a cancellation carries no link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from hoppid.shared import calendar as cal
from hoppid.shared.calendar import fold as fold

Method = Literal["REQUEST", "CANCEL"]
PRODID = "-//hoppid//notifications//NO"


@dataclass(frozen=True)
class Meeting:
    booking_id: str
    sequence: int
    start: datetime
    end: datetime | None  # a cancellation may not know the end any more
    summary: str
    location: str
    organizer_name: str
    organizer_address: str
    attendee_name: str
    attendee_address: str
    stamp: datetime  # when this version was made (the event's time): the same on a redelivery
    join_url: str = ""  # a digital meeting's own link
    description: str = ""


def calendar(meeting: Meeting, method: Method) -> str:
    """The whole VCALENDAR as text with CRLF line ends."""
    entry = cal.MeetingEntry(
        booking_id=meeting.booking_id,
        sequence=meeting.sequence,
        stamp=meeting.stamp,
        start=meeting.start,
        end=meeting.end,
        summary=meeting.summary,
        cancelled=method == "CANCEL",
        location=meeting.location,
        join_url=meeting.join_url,
        description=meeting.description,
        organizer=cal.Party(meeting.organizer_name, meeting.organizer_address),
        attendee=cal.Party(meeting.attendee_name, meeting.attendee_address),
    )
    return cal.calendar([entry], method, PRODID)
