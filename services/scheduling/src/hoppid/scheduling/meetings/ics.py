"""iCalendar (RFC 5545) text for bookings: one file per booking, a feed per advisor. Pure.

Written by the platform's one calendar writer (``hoppid.shared.calendar``), which notifications
uses for the mailed invitation too: the same UID (``<booking id>@hoppid``), the same SEQUENCE
(the booking's ``sequence``: 0 when booked, one more with each move and the cancellation) and
Oslo times with ``TZID=Europe/Oslo`` and its VTIMEZONE, so a calendar that gets the meeting by
mail and by download keeps one entry. A digital meeting's place is its own join link
(``join_url``, made when it was booked), else the office's static video room; a cancelled
meeting shows no link. No personal data of the entrepreneur is in it: the summary names the
kind of meeting only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from hoppid.shared import calendar as cal

PRODID = "-//hoppid//scheduling//NB"
SUMMARIES = {"first_guidance": "Veiledningsmøte (første)", "follow_up": "Oppfølgingsmøte"}
DIGITAL = "Digitalt møte (video)"


def join_link(booking: Mapping[str, Any], office: Mapping[str, Any]) -> str:
    """Where a digital meeting is joined: its own link, else the office's room ("" if none)."""
    if booking.get("mode") != "digital":
        return ""
    return str(booking.get("join_url") or office.get("video_link") or "")


def entry(booking: Mapping[str, Any], office: Mapping[str, Any], now: datetime) -> cal.MeetingEntry:
    digital = booking["mode"] == "digital"
    return cal.MeetingEntry(
        booking_id=str(booking["_id"]),
        sequence=int(booking.get("sequence", 0)),
        stamp=now,
        start=booking["start"],
        end=booking["end"],
        summary=SUMMARIES.get(booking["meeting_type"], "Møte"),
        cancelled=booking["status"] == "cancelled",
        location=DIGITAL if digital else str(office.get("name") or ""),
        join_url=join_link(booking, office),
    )


def calendar(
    bookings: Iterable[Mapping[str, Any]],
    offices: Mapping[str, Mapping[str, Any]],
    now: datetime,
    name: str = "",
) -> str:
    """A VCALENDAR with one VEVENT per booking (a cancelled one is STATUS:CANCELLED)."""
    entries = [entry(b, offices.get(b["office_id"], {}), now) for b in bookings]
    return cal.calendar(entries, "PUBLISH", PRODID, name)
