"""The calendar file: Oslo times with their zone, escaping, CRLF lines folded at 75 octets."""

from datetime import UTC, datetime, timedelta, timezone

from hoppid.notifications.composition import ics, wording

MEETING = ics.Meeting(
    booking_id="booking-1",
    sequence=2,
    start=datetime(2025, 6, 3, 8, 0, tzinfo=UTC),
    end=datetime(2025, 6, 3, 9, 0, tzinfo=UTC),
    summary="Veiledningsmøte: Nordveggen Næringshage, Ålesund; rom 2",
    location="Nordveggen",
    organizer_name="Nordveggen Næringshage",
    organizer_address="post@nordveggen.example",
    attendee_name='Kari "K" Nordmann',
    attendee_address="kari@example.no",
    stamp=datetime(2025, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=2))),
)


def unfolded(text: str) -> list[str]:
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")  # no bare line feeds
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def test_request_has_uid_sequence_and_oslo_times_with_their_zone() -> None:
    lines = unfolded(ics.calendar(MEETING, "REQUEST"))
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "METHOD:REQUEST" in lines and "STATUS:CONFIRMED" in lines
    assert "UID:booking-1@hoppid" in lines and "SEQUENCE:2" in lines
    assert "BEGIN:VTIMEZONE" in lines and "TZID:Europe/Oslo" in lines
    assert "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU" in lines  # summer time from March's end
    assert "DTSTART;TZID=Europe/Oslo:20250603T100000" in lines  # 08:00 UTC in summer
    assert "DTEND;TZID=Europe/Oslo:20250603T110000" in lines
    assert "DTSTAMP:20250601T100000Z" in lines  # converted from +02:00
    assert r"SUMMARY:Veiledningsmøte: Nordveggen Næringshage\, Ålesund\; rom 2" in lines
    assert any(line.startswith('ATTENDEE;CN="Kari K Nordmann"') for line in lines)


def test_cancel_without_end() -> None:
    text = ics.calendar(ics.Meeting(**{**MEETING.__dict__, "end": None}), "CANCEL")
    lines = unfolded(text)
    assert "METHOD:CANCEL" in lines and "STATUS:CANCELLED" in lines
    assert not any(line.startswith("DTEND") for line in lines)


def test_a_digital_meeting_has_its_join_link_and_a_cancellation_none() -> None:
    link = "https://meet.jit.si/hoppid-nordveggen-abc123"
    digital = ics.Meeting(**{**MEETING.__dict__, "location": "Video", "join_url": link})
    lines = unfolded(ics.calendar(digital, "REQUEST"))
    assert f"LOCATION:{link}" in lines and f"URL:{link}" in lines
    assert f"DESCRIPTION:{link}" in lines
    cancelled = unfolded(ics.calendar(digital, "CANCEL"))
    assert not any(link in line for line in cancelled)
    assert "LOCATION:Video" in cancelled


def test_long_lines_fold_at_75_octets_without_splitting_characters() -> None:
    line = "SUMMARY:" + "ø" * 100
    folded = ics.fold(line)
    pieces = folded.split("\r\n")
    assert all(len(piece.encode()) <= 75 for piece in pieces)
    assert all(piece.startswith(" ") for piece in pieces[1:])
    assert folded.replace("\r\n ", "") == line
    assert ics.fold("short") == "short"


def test_oslo_time_in_summer_and_winter() -> None:
    summer = datetime(2025, 6, 3, 8, 0, tzinfo=UTC)
    winter = datetime(2025, 12, 2, 8, 0, tzinfo=UTC)
    assert wording.oslo_time(summer, summer + timedelta(hours=1), "nb") == (
        "tirsdag 03.06.2025 kl. 10:00-11:00"
    )
    assert wording.oslo_time(winter, None, "en") == "Tuesday 02.12.2025 at 09:00"
    assert wording.oslo_time(winter, None, "nn").startswith("tysdag")
