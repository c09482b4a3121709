"""One calendar writer (iCalendar, RFC 5545) for meetings, used by scheduling (the download, the
person's page, the advisors' and offices' feeds) and by notifications (the mailed invitation,
update and cancellation). Pure: no I/O.

Every file of one meeting names it the same way, so a calendar that gets it by mail and by
download keeps one entry, which a move updates and a cancellation removes:

- **UID** ``<booking id>@hoppid`` (:func:`meeting_uid`), whatever the channel.
- **SEQUENCE** is scheduling's count of the meeting's changes: 0 when booked, one more with
  each move and with the cancellation. The meeting events carry it (``sequence``), so the
  mailed file and the download of the same version say the same number.
- **Times** are Oslo wall-clock times, ``DTSTART;TZID=Europe/Oslo:…``, with a VTIMEZONE that
  defines the zone (CET/CEST, the EU rule), so a calendar shows the office's time and reads back
  the same instants; a local time in the hour repeated when the clocks go back (never in opening
  hours) is written in UTC, which names one instant. DTSTAMP is UTC, as RFC 5545 requires.
- **METHOD** as the channel needs: REQUEST or CANCEL in a mail (iTIP), PUBLISH for a download
  or a feed.
- A digital meeting's join link is its LOCATION and URL and ends its DESCRIPTION; a cancelled
  meeting's link is never written.

Lines end in CRLF and are folded at 75 octets without splitting a UTF-8 character.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from hoppid.shared.clock import as_utc

Method = Literal["PUBLISH", "REQUEST", "CANCEL"]
UID_DOMAIN = "hoppid"
TZID = "Europe/Oslo"
OSLO = ZoneInfo(TZID)
MAX_OCTETS = 75

# Norway's rule since 1996 (the EU's); every meeting is well after 1970, the rules' start
VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    f"TZID:{TZID}",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)


def meeting_uid(booking_id: str) -> str:
    """The meeting's calendar identity, the same in every file of every channel."""
    return f"{booking_id}@{UID_DOMAIN}"


@dataclass(frozen=True)
class Party:
    name: str
    address: str  # an email address


@dataclass(frozen=True)
class MeetingEntry:
    """One version of one meeting, as a calendar file says it."""

    booking_id: str
    sequence: int
    stamp: datetime  # when this version was made (DTSTAMP)
    start: datetime
    end: datetime | None  # a cancellation may not know the end any more
    summary: str
    cancelled: bool = False
    location: str = ""  # the place (in person); a digital meeting's is its join link
    join_url: str = ""  # a digital meeting's own link; left out once cancelled
    description: str = ""
    organizer: Party | None = None
    attendee: Party | None = None


def calendar(entries: Iterable[MeetingEntry], method: Method, prodid: str, name: str = "") -> str:
    """A whole VCALENDAR, one VEVENT per entry, as text with CRLF line ends."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{prodid}", "CALSCALE:GREGORIAN"]
    lines.append(f"METHOD:{method}")
    if name:
        lines.append(f"X-WR-CALNAME:{escape(name)}")
    lines.extend(VTIMEZONE)
    for entry in entries:
        lines.extend(_event(entry))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def _event(entry: MeetingEntry) -> list[str]:
    join = "" if entry.cancelled else entry.join_url
    location = join or entry.location
    description = "\n\n".join(part for part in (entry.description, join) if part)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{meeting_uid(entry.booking_id)}",
        f"SEQUENCE:{entry.sequence}",
        f"DTSTAMP:{utc_stamp(entry.stamp)}",
        oslo_time("DTSTART", entry.start),
        *([oslo_time("DTEND", entry.end)] if entry.end is not None else []),
        f"SUMMARY:{escape(entry.summary)}",
        *([f"LOCATION:{escape(location)}"] if location else []),
        *([f"URL:{join}"] if join else []),
        *([f"DESCRIPTION:{escape(description)}"] if description else []),
    ]
    if entry.organizer is not None:
        lines.append(f"ORGANIZER;CN={param(entry.organizer.name)}:mailto:{entry.organizer.address}")
    if entry.attendee is not None:
        lines.append(
            f"ATTENDEE;CN={param(entry.attendee.name)};ROLE=REQ-PARTICIPANT;RSVP=FALSE:"
            f"mailto:{entry.attendee.address}"
        )
    lines.append(f"STATUS:{'CANCELLED' if entry.cancelled else 'CONFIRMED'}")
    return [*lines, "END:VEVENT"]


def utc_stamp(instant: datetime) -> str:
    return as_utc(instant).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def oslo_time(name: str, instant: datetime) -> str:
    """``DTSTART;TZID=Europe/Oslo:20261202T090000``: the instant as Oslo wall-clock time.

    A local time in the hour repeated when the clocks go back names two instants, so such a
    time (never within opening hours) is written in UTC instead, which names one."""
    aware = as_utc(instant)  # a meeting's times in notifications come from events
    local = aware.astimezone(OSLO)
    if local.utcoffset() != local.replace(fold=1 - local.fold).utcoffset():
        return f"{name}:{utc_stamp(aware)}"
    return f"{name};TZID={TZID}:{local.strftime('%Y%m%dT%H%M%S')}"


def escape(text: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines escaped."""
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
