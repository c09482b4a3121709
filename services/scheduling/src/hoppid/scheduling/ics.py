"""iCalendar (RFC 5545) text for bookings: one file per booking, a feed per advisor. Pure.

Lines end with CRLF and are folded at 75 octets. Meeting times are Oslo wall-clock times with
``TZID=Europe/Oslo`` and a VTIMEZONE that defines the zone (CET/CEST, the EU rule: last Sunday of
March and October), so a calendar shows the meeting at the office's time and a parser reads back
the same instants; DTSTAMP is UTC (``Z``), as RFC 5545 requires. The UID is the booking id, so a
calendar that imports the file again (or reads the feed) updates the same event.
No personal data of the entrepreneur is in it: the summary names the kind of meeting only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from hoppid.scheduling.model import OSLO

PRODID = "-//hoppid//scheduling//NB"
SUMMARIES = {"first_guidance": "Veiledningsmøte (første)", "follow_up": "Oppfølgingsmøte"}
STATUSES = {"booked": "CONFIRMED", "held": "CONFIRMED", "missed": "CONFIRMED"}


TZID = "Europe/Oslo"
# Norway's rule since 1996 (the EU's); every meeting is well after 1970, the rules' start
VTIMEZONE = [
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
]


def utc_stamp(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def oslo_time(name: str, instant: datetime) -> str:
    """``DTSTART;TZID=Europe/Oslo:20261202T090000``: the instant as Oslo wall-clock time.

    A local time in the hour repeated when the clocks go back names two instants, so such a
    time (never within opening hours) is written in UTC instead, which names one."""
    local = instant.astimezone(OSLO)
    if local.utcoffset() != local.replace(fold=1 - local.fold).utcoffset():
        return f"{name}:{utc_stamp(instant)}"
    return f"{name};TZID={TZID}:{local.strftime('%Y%m%dT%H%M%S')}"


def escape(text: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11)."""
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """Split a content line into pieces of at most 75 octets, never inside a UTF-8 character."""
    pieces, current, size, limit = [], "", 0, 75
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            pieces.append(current)
            current, size, limit = " ", 1, 75  # a continuation line starts with one space
        current += char
        size += width
    pieces.append(current)
    return "\r\n".join(pieces)


def _event(booking: Mapping[str, Any], office: Mapping[str, Any], now: datetime) -> list[str]:
    digital = booking["mode"] == "digital"
    place = office.get("video_link") if digital else office.get("name")
    lines = [
        "BEGIN:VEVENT",
        f"UID:{booking['_id']}",
        f"DTSTAMP:{utc_stamp(now)}",
        oslo_time("DTSTART", booking["start"]),
        oslo_time("DTEND", booking["end"]),
        f"SUMMARY:{escape(SUMMARIES.get(booking['meeting_type'], 'Møte'))}",
        f"STATUS:{STATUSES.get(booking['status'], 'CANCELLED')}",
        f"SEQUENCE:{booking.get('sequence', 0)}",
    ]
    if place:
        lines.append(f"LOCATION:{escape(str(place))}")
    if digital and office.get("video_link"):
        lines.append(f"URL:{office['video_link']}")
    return [*lines, "END:VEVENT"]


def calendar(
    bookings: Iterable[Mapping[str, Any]],
    offices: Mapping[str, Mapping[str, Any]],
    now: datetime,
    name: str = "",
) -> str:
    """A VCALENDAR with one VEVENT per booking (a cancelled one is STATUS:CANCELLED)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN"]
    lines.append("METHOD:PUBLISH")
    if name:
        lines.append(f"X-WR-CALNAME:{escape(name)}")
    lines.extend(VTIMEZONE)
    for booking in bookings:
        lines.extend(_event(booking, offices.get(booking["office_id"], {}), now))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
