"""iCalendar (RFC 5545) text for bookings: one file per booking, a feed per advisor. Pure.

Lines end with CRLF and are folded at 75 octets; times are UTC (``Z``); the UID is the booking
id, so a calendar that imports the file again (or reads the feed) updates the same event.
No personal data of the entrepreneur is in it: the summary names the kind of meeting only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

PRODID = "-//hoppid//scheduling//NB"
SUMMARIES = {"first_guidance": "Veiledningsmøte (første)", "follow_up": "Oppfølgingsmøte"}
STATUSES = {"booked": "CONFIRMED", "held": "CONFIRMED", "missed": "CONFIRMED"}


def utc_stamp(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


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
        f"DTSTART:{utc_stamp(booking['start'])}",
        f"DTEND:{utc_stamp(booking['end'])}",
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
    for booking in bookings:
        lines.extend(_event(booking, offices.get(booking["office_id"], {}), now))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
