from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from hoppid.scheduling.meetings.ics import calendar
from hoppid.shared.calendar import fold

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
BOOKING = {
    "_id": "b-1",
    "office_id": "nordveggen",
    "meeting_type": "first_guidance",
    "mode": "in_person",
    "status": "booked",
    "start": datetime(2026, 12, 2, 8, 0, tzinfo=UTC),
    "end": datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
}
OFFICES = {"nordveggen": {"name": "Nordveggen, Åndalsnes; 2. etasje", "video_link": None}}


def test_a_booking_is_an_rfc5545_event_in_oslo_time_with_the_meeting_uid() -> None:
    text = calendar([BOOKING], OFFICES, NOW)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and "VERSION:2.0" in lines
    assert "UID:b-1@hoppid" in lines and "SEQUENCE:0" in lines
    assert "DTSTART;TZID=Europe/Oslo:20261202T090000" in lines  # 08:00 UTC in winter
    assert "DTEND;TZID=Europe/Oslo:20261202T100000" in lines
    assert "BEGIN:VTIMEZONE" in lines and "TZID:Europe/Oslo" in lines
    assert "DTSTAMP:20261128T120000Z" in lines
    assert "STATUS:CONFIRMED" in lines
    assert "LOCATION:Nordveggen\\, Åndalsnes\\; 2. etasje" in lines
    assert lines[-2] == "END:VCALENDAR"


def test_digital_has_the_office_room_or_its_own_link_and_a_cancelled_one_none() -> None:
    offices = {"nordveggen": {"name": "N", "video_link": "https://video.example/room"}}
    digital = {**BOOKING, "mode": "digital"}
    assert "URL:https://video.example/room" in calendar([digital], offices, NOW)
    own = "https://meet.jit.si/hoppid-nordveggen-k3x"
    lines = calendar([{**digital, "join_url": own}], offices, NOW).split("\r\n")
    assert f"URL:{own}" in lines and f"LOCATION:{own}" in lines
    assert f"DESCRIPTION:{own}" in lines
    cancelled = calendar([{**digital, "status": "cancelled", "join_url": own}], offices, NOW)
    assert "STATUS:CANCELLED" in cancelled
    assert "URL:" not in cancelled and "video.example" not in cancelled


def test_long_lines_fold_at_75_octets_without_splitting_characters() -> None:
    line = "SUMMARY:" + "å" * 100
    folded = fold(line)
    pieces = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in pieces)
    assert all(p.startswith(" ") for p in pieces[1:])
    assert "".join(p[1:] if i else p for i, p in enumerate(pieces)) == line


def test_a_parser_reads_back_the_same_instants_in_oslo_time_summer_winter_and_fall_back() -> None:
    starts = [
        datetime(2026, 12, 2, 8, 0, tzinfo=UTC),  # CET
        datetime(2026, 7, 2, 7, 0, tzinfo=UTC),  # CEST
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 02:30 CEST, the first of two 02:30s
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # 02:30 CET, the second
    ]
    bookings = [
        {**BOOKING, "_id": f"b-{i}", "start": s, "end": s + timedelta(minutes=30)}
        for i, s in enumerate(starts)
    ]
    parsed = icalendar.Calendar.from_ical(calendar(bookings, OFFICES, NOW))
    events = {str(e["UID"]).removesuffix("@hoppid"): e for e in parsed.walk("VEVENT")}
    for i, start in enumerate(starts):
        read = events[f"b-{i}"].decoded("DTSTART")
        assert read.tzinfo is not None
        assert read.astimezone(UTC) == start
        assert events[f"b-{i}"].decoded("DTEND").astimezone(UTC) == start + timedelta(minutes=30)
    assert events["b-0"].decoded("DTSTART").tzinfo == ZoneInfo("Europe/Oslo")
    assert events["b-1"].decoded("DTSTART").hour == 9  # Oslo wall-clock in summer
