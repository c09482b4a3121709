"""Scheduling's events through the real interfaces: the test plays intake (the sealed inquiry
that tells notifications who the person is) and scheduling (plain meeting events by person id);
mail goes to a real SMTP server on loopback and is parsed as a mail program would."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from notifications_support import (
    IntakeEvents,
    Received,
    SchedulingEvents,
    SmtpServer,
    handled,
    office_kept,
)

from hoppid.contracts import scheduling as sched
from hoppid.shared.clock import real_now
from hoppid.shared.testing import ServiceProcess, eventually, of_type, read_envelopes

# 08:00 UTC on 3 June is 10:00 in Oslo (summer time); 09:00 UTC on 2 December is 10:00 (winter)
SUMMER = datetime(2030, 6, 3, 8, 0, tzinfo=UTC)
WINTER = datetime(2030, 12, 2, 9, 0, tzinfo=UTC)


async def test_a_booking_sends_one_email_with_its_calendar_file(
    notifications: ServiceProcess,
    intake_events: IntakeEvents,
    scheduling_events: SchedulingEvents,
    smtp: SmtpServer,
    database: Any,
) -> None:
    await office_kept(intake_events, database)
    person, case = await _known_person(intake_events, smtp, "kari.booked@example.no", "nn")
    booked = await scheduling_events.meeting_booked(person, case, SUMMER)
    mails = await _calendar_mails(smtp, "kari.booked@example.no", 1)

    mail = mails[0]
    sender = mail.message["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == (
        "Nordveggen Næringshage",
        "no-reply@hoppid.example",
    )
    assert mail.mail_from == "no-reply@hoppid.example"
    assert mail.message["Content-Language"] == "nn"
    assert "Rettleiingsmøte" in mail.message["Subject"]  # nynorsk
    assert "måndag 03.06.2030 kl. 10:00-11:00" in mail.text  # Oslo time, nynorsk weekday
    assert "Kari Nordmann" in mail.text

    part, raw = mail.calendars()[0]
    assert part.get_param("method") == "REQUEST"
    lines = _lines(raw)
    assert f"UID:{booked.subject}@hoppid" in lines
    assert "SEQUENCE:0" in lines and "METHOD:REQUEST" in lines
    # Oslo wall-clock time with the zone, as in scheduling's download (hoppid.shared.calendar)
    assert "DTSTART;TZID=Europe/Oslo:20300603T100000" in lines
    assert "DTEND;TZID=Europe/Oslo:20300603T110000" in lines
    assert "BEGIN:VTIMEZONE" in lines and "TZID:Europe/Oslo" in lines
    assert "SUMMARY:Rettleiingsmøte: Nordveggen Næringshage" in lines
    assert 'ORGANIZER;CN="Nordveggen Næringshage":mailto:no-reply@hoppid.example' in lines

    await scheduling_events.publish(booked)  # redelivered: the same CloudEvents id

    async def both_handled() -> bool:
        return await handled(notifications, sched.MeetingBooked) == 2

    await eventually(both_handled, what="both deliveries handled")
    assert len(_with_calendar(smtp.handler.to("kari.booked@example.no"))) == 1
    booking = await database["bookings"].find_one({"_id": booked.subject})
    assert booking is not None and booking["sequence"] == 0
    stored = await database["people"].find_one({"_id": person})  # kept sealed, not in clear
    assert stored is not None and stored["language"] == "nn"
    assert "kari.booked@example.no" not in str(stored) and "Kari" not in str(stored)


async def test_a_moved_meeting_updates_and_a_cancelled_one_cancels_the_same_event(
    notifications: ServiceProcess,
    intake_events: IntakeEvents,
    scheduling_events: SchedulingEvents,
    smtp: SmtpServer,
) -> None:
    person, case = await _known_person(intake_events, smtp, "ola.moved@example.no", "en")
    booked = await scheduling_events.meeting_booked(person, case, SUMMER)
    await _calendar_mails(smtp, "ola.moved@example.no", 1)
    moved = await scheduling_events.meeting_rescheduled(booked, WINTER)
    await _calendar_mails(smtp, "ola.moved@example.no", 2)
    await scheduling_events.meeting_cancelled(booked, WINTER)
    mails = await _calendar_mails(smtp, "ola.moved@example.no", 3)

    update = mails[1]
    lines = _lines(update.calendars()[0][1])
    assert f"UID:{booked.subject}@hoppid" in lines and "SEQUENCE:1" in lines
    assert "DTSTART;TZID=Europe/Oslo:20301202T100000" in lines  # winter: UTC+1
    assert "DTEND;TZID=Europe/Oslo:20301202T104500" in lines
    assert "Monday 02.12.2030 at 10:00-10:45" in update.text  # Oslo winter time
    assert "Monday 03.06.2030 at 10:00" in update.text  # where it moved from
    assert update.message["Content-Language"] == "en"

    cancel = mails[2]
    part, raw = cancel.calendars()[0]
    lines = _lines(raw)
    assert part.get_param("method") == "CANCEL"
    assert "METHOD:CANCEL" in lines and "STATUS:CANCELLED" in lines
    assert f"UID:{booked.subject}@hoppid" in lines and "SEQUENCE:2" in lines
    assert "DTSTART;TZID=Europe/Oslo:20301202T100000" in lines
    assert "cancelled" in cancel.message["Subject"]

    await scheduling_events.publish(moved)  # a redelivered move: no second mail, no new SEQUENCE

    async def moved_twice() -> bool:
        return await handled(notifications, sched.MeetingRescheduled) == 2

    await eventually(moved_twice, what="the redelivered move handled")
    assert len(_with_calendar(smtp.handler.to("ola.moved@example.no"))) == 3


async def test_a_digital_meeting_s_join_link_is_in_its_mails_and_files_until_cancelled(
    notifications: ServiceProcess,
    intake_events: IntakeEvents,
    scheduling_events: SchedulingEvents,
    smtp: SmtpServer,
) -> None:
    """The link comes sealed on booked (as scheduling writes it), is in the confirmation, its
    calendar file, the reminder and the move; the cancellation shows it no more. SEQUENCE is the
    one the events carry (scheduling's), not a count of the mails."""
    address, link = "siv.digital@example.no", "https://meet.jit.si/hoppid-nordveggen-q7r2k9"
    person, case = await _known_person(intake_events, smtp, address, "en")
    booked = await scheduling_events.meeting_booked(
        person, case, SUMMER, mode="digital", join_url=link, sequence=0
    )
    assert link not in str(booked.data)  # sealed on the topic
    confirmation = (await _calendar_mails(smtp, address, 1))[0]
    assert f"Join the meeting: {link}" in confirmation.text
    lines = _lines(confirmation.calendars()[0][1])
    assert f"LOCATION:{link}" in lines and f"URL:{link}" in lines and "SEQUENCE:0" in lines

    due = sched.ReminderDue(
        **{k: booked.data[k] for k in ("booking_id", "office_id", "case_id", "person_id")},
        kind="2h",
        advisor_id="advisor-1",
        mode="digital",
        start=SUMMER,
        end=SUMMER + timedelta(hours=1),
        due_at=SUMMER - timedelta(hours=2),
    )
    await scheduling_events.scheduling_event(due, booked.subject)

    async def reminded() -> list[Received]:
        return [m for m in smtp.handler.to(address) if "two hours" in m.text]

    reminder = (await eventually(reminded, what="the 2 h reminder"))[0]
    assert f"Join the meeting: {link}" in reminder.text

    await scheduling_events.meeting_rescheduled(booked, WINTER, mode="digital", sequence=1)
    moved = (await _calendar_mails(smtp, address, 2))[1]
    assert f"Join the meeting: {link}" in moved.text  # a moved meeting keeps its link
    assert f"URL:{link}" in _lines(moved.calendars()[0][1])

    # scheduling changed it twice more meanwhile (its SEQUENCE, not this service's count)
    await scheduling_events.meeting_cancelled(booked, WINTER, sequence=4)
    cancel = (await _calendar_mails(smtp, address, 3))[2]
    lines = _lines(cancel.calendars()[0][1])
    assert "SEQUENCE:4" in lines and "STATUS:CANCELLED" in lines
    assert link not in cancel.text and not any(link in line for line in lines)


async def test_offered_times_in_oslo_time_with_the_booking_link(
    notifications: ServiceProcess,
    intake_events: IntakeEvents,
    scheduling_events: SchedulingEvents,
    smtp: SmtpServer,
) -> None:
    person, case, token = await _known_person_with_token(
        intake_events, smtp, "nils.offer@example.no", "nb"
    )
    await scheduling_events.slots_offered(person, case, [SUMMER, WINTER])

    async def offer() -> list[Received]:
        # the offer, not the receipt (every message now ends with "Velg selv her" for preferences)
        return [m for m in smtp.handler.to("nils.offer@example.no") if "03.06.2030" in m.text]

    mails = await eventually(offer, what="the offer")
    text = mails[0].text
    assert "- mandag 03.06.2030 kl. 10:00-11:00, på kontoret" in text
    assert "- mandag 02.12.2030 kl. 10:00-11:00, digitalt (video)" in text
    # the person's own signed link to scheduling's page for them: nobody else can book with it
    assert f"http://127.0.0.1:8002/pages/me/{token}/meetings" in text  # the default
    assert mails[0].calendars() == []


async def test_offered_times_read_before_the_inquiry_wait_for_the_person(
    notifications: ServiceProcess,
    intake_events: IntakeEvents,
    scheduling_events: SchedulingEvents,
    smtp: SmtpServer,
) -> None:
    """scheduling offers times a moment after intake's inquiry, on another topic: when
    notifications reads the offer first, it waits for the person's copy (it was suppressed,
    ``no_address``, and the person never got their times: a CI failure)."""
    inquiry, _ = await intake_events.inquiry_received("siri.early@example.no", publish=False)
    person, case = inquiry.data["person_id"], inquiry.data["case_id"]
    await scheduling_events.slots_offered(person, case, [SUMMER])

    async def retried() -> bool:  # the offer was read, and is waiting for the person
        return "no contact copy yet" in notifications.log_text()

    await eventually(retried, what="the offer waiting for the person")
    assert smtp.handler.to("siri.early@example.no") == []
    await intake_events.publish(inquiry)

    async def offer() -> list[Received]:
        return [m for m in smtp.handler.to("siri.early@example.no") if "03.06.2030" in m.text]

    await eventually(offer, timeout=60, what="the offer, once the person is known")


async def test_a_meeting_cancelled_by_an_erasure_is_not_mailed(
    notifications: ServiceProcess,
    intake_events: IntakeEvents,
    scheduling_events: SchedulingEvents,
    smtp: SmtpServer,
    topic_prefix: str,
) -> None:
    """scheduling cancels an erased person's meetings; that cancellation may be read before
    intake's erasure.requested, while the copy is still there (a CI failure: the person got a
    cancellation beside the erasure's confirmation). The confirmation is their last message."""
    address = "erik.erased@example.no"
    person, case = await _known_person(intake_events, smtp, address, "nb")
    booked = await scheduling_events.meeting_booked(person, case, SUMMER)
    await _calendar_mails(smtp, address, 1)
    cancelled = await scheduling_events.meeting_cancelled(booked, SUMMER, reason="erasure")

    def for_the_cancellation(envelopes: list[Any]) -> list[Any]:
        suppressed = of_type(envelopes, "notifications.message.suppressed.v2")
        return [e for e in suppressed if e.data["cause_event_id"] == cancelled.id]

    found = await read_envelopes(
        f"{topic_prefix}hoppid.notifications", lambda es: len(for_the_cancellation(es)) == 1
    )
    (suppressed,) = for_the_cancellation([e for _, e in found])
    assert (suppressed.data["message"], suppressed.data["reason"]) == (
        "meeting_cancelled",
        "erased",
    )
    assert len(_with_calendar(smtp.handler.to(address))) == 1  # the booking's, no CANCEL


async def test_a_booking_for_an_unknown_person_is_suppressed(
    notifications: ServiceProcess,
    scheduling_events: SchedulingEvents,
    topic_prefix: str,
) -> None:
    """Nobody waits for good for a person never seen: an event older than the wait for their
    copy (HOPPID_NOTIFICATIONS_PERSON_WAIT_SECONDS, 300) is suppressed at once."""
    an_hour_ago = real_now() - timedelta(hours=1)
    booked = await scheduling_events.meeting_booked(
        "person-never-seen", "case-y", SUMMER, sent_at=an_hour_ago
    )

    def to_the_person(envelopes: list[Any]) -> list[Any]:
        # the advisor's mail of the same event is made beside it, in no fixed order
        suppressed = of_type(envelopes, "notifications.message.suppressed.v2")
        return [e for e in suppressed if e.data["message"] == "meeting_booked"]

    found = await read_envelopes(
        f"{topic_prefix}hoppid.notifications", lambda es: len(to_the_person(es)) == 1
    )
    (suppressed,) = to_the_person([e for _, e in found])
    assert suppressed.data["reason"] == "no_address"
    assert suppressed.data["cause_event_id"] == booked.id


async def _known_person_with_token(
    intake_events: IntakeEvents, smtp: SmtpServer, email: str, language: str
) -> tuple[str, str, str]:
    """Intake tells notifications about the person, with their link token."""
    inquiry, token = await intake_events.inquiry_received(email, language=language)

    async def receipt() -> list[Received]:
        return smtp.handler.to(email)

    await eventually(receipt, what="the receipt")
    return inquiry.data["person_id"], inquiry.subject, token


async def _known_person(
    intake_events: IntakeEvents, smtp: SmtpServer, email: str, language: str
) -> tuple[str, str]:
    """Intake tells notifications about the person (the receipt proves it was read)."""
    inquiry, _ = await intake_events.inquiry_received(email, language=language)

    async def receipt() -> list[Received]:
        return smtp.handler.to(email)

    await eventually(receipt, what="the receipt")
    return inquiry.data["person_id"], inquiry.subject


async def _calendar_mails(smtp: SmtpServer, address: str, count: int) -> list[Received]:
    async def arrived() -> list[Received] | None:
        found = _with_calendar(smtp.handler.to(address))
        return found if len(found) >= count else None

    found = await eventually(arrived, what=f"{count} mails with a calendar file")
    assert found is not None
    return found


def _with_calendar(mails: list[Received]) -> list[Received]:
    return [m for m in mails if m.calendars()]


def _lines(raw: bytes) -> list[str]:
    """The calendar's content lines, checking CRLF ends and 75-octet folding on the way."""
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    physical = raw.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in physical)
    return raw.decode().replace("\r\n ", "").split("\r\n")[:-1]


async def test_reminders_reach_the_person_once_in_their_language(
    notifications: ServiceProcess,
    intake_events: IntakeEvents,
    scheduling_events: SchedulingEvents,
    smtp: SmtpServer,
) -> None:
    person, case = await _known_person(intake_events, smtp, "ragna.reminder@example.no", "nn")
    start = WINTER
    due = sched.ReminderDue(
        booking_id="booking-r",
        office_id="nordveggen",
        case_id=case,
        person_id=person,
        kind="24h",
        advisor_id="advisor-1",
        mode="digital",
        start=start,
        end=start + timedelta(hours=1),
        due_at=start - timedelta(hours=24),
    )
    envelope = due.to_envelope(source=sched.SOURCE, subject="booking-r", office="nordveggen")
    await scheduling_events.publish(envelope)
    await scheduling_events.publish(envelope)  # delivered twice: still one reminder

    async def reminded() -> list[Received]:
        return [
            m
            for m in smtp.handler.to("ragna.reminder@example.no")
            if "Påminning" in str(m.message["Subject"])
        ]

    mails = await eventually(reminded, what="the reminder")
    await asyncio.sleep(2)  # time for the second delivery to (not) send another
    mails = await reminded()
    assert len(mails) == 1
    assert "i morgon" in mails[0].text  # nynorsk
    assert "02.12.2030 kl. 10:00-11:00" in mails[0].text  # Oslo time
    assert mails[0].calendars() == []
