"""A calendar file (iCalendar, RFC 5545) for one meeting: invitation, update or cancellation.

notifications's own small writer (no other service's code): one VEVENT whose UID is the booking
id, so a calendar program files an update (same UID, higher SEQUENCE) or a cancellation
(METHOD:CANCEL) onto the meeting it already shows. Times are written in UTC with ``Z``; lines end
in CRLF and are folded at 75 octets without splitting a UTF-8 character (RFC 5545 §3.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

Method = Literal["REQUEST", "CANCEL"]
PRODID = "-//hoppid//notifications//NO"
MAX_OCTETS = 75
UID_DOMAIN = "hoppid"


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


def calendar(meeting: Meeting, method: Method) -> str:
    """The whole VCALENDAR as text with CRLF line ends."""
    cancelled = method == "CANCEL"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:{uid(meeting.booking_id)}",
        f"SEQUENCE:{meeting.sequence}",
        f"DTSTAMP:{utc(meeting.stamp)}",
        f"DTSTART:{utc(meeting.start)}",
        *([f"DTEND:{utc(meeting.end)}"] if meeting.end is not None else []),
        f"SUMMARY:{escape(meeting.summary)}",
        *([f"LOCATION:{escape(meeting.location)}"] if meeting.location else []),
        f"ORGANIZER;CN={param(meeting.organizer_name)}:mailto:{meeting.organizer_address}",
        f"ATTENDEE;CN={param(meeting.attendee_name)};ROLE=REQ-PARTICIPANT;RSVP=FALSE:"
        f"mailto:{meeting.attendee_address}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)


def uid(booking_id: str) -> str:
    return f"{booking_id}@{UID_DOMAIN}"


def utc(value: datetime) -> str:
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def escape(text: str) -> str:
    """A TEXT value: backslash, semicolon, comma and newlines escaped."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def param(text: str) -> str:
    """A parameter value: quoted, without the characters a quoted value may not hold."""
    cleaned = "".join(c for c in text if c not in '"\r\n' and (c >= " " or c == "\t"))
    return f'"{cleaned}"'


def fold(line: str) -> str:
    """Split a content line into pieces of at most 75 octets; continuations start with a space."""
    pieces: list[str] = []
    current, size, limit = "", 0, MAX_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            pieces.append(current)
            current, size, limit = "", 0, MAX_OCTETS - 1  # the leading space counts
        current += char
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)
