"""Group programmes and office seats through the real interfaces: the test plays intake (who the
person is, sealed) and scheduling (enrolments, waitlist, promotion, session reminders and desk
bookings by person id); mail goes to a real SMTP server on loopback."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from notifications_support import (
    IntakeEvents,
    SchedulingEvents,
    SmtpServer,
    handled,
    office_kept,
    person_with_receipt,
)

from hoppid.contracts import scheduling as sched
from hoppid.shared.testing import ServiceProcess, eventually

SESSION = datetime(2030, 6, 4, 15, 0, tzinfo=UTC)  # 17:00 in Oslo (summer time)


async def test_enrolment_waitlist_promotion_and_session_reminders(
    notifications: ServiceProcess,
    intake_events: IntakeEvents,
    scheduling_events: SchedulingEvents,
    smtp: SmtpServer,
    database: Any,
) -> None:
    await office_kept(intake_events, database)
    anna = await person_with_receipt(intake_events, smtp, "anna.kurs@example.no", "nb")
    ben = await person_with_receipt(intake_events, smtp, "ben.course@example.no", "en")
    cato = await person_with_receipt(intake_events, smtp, "cato.kurs@example.no", "nn")
    programme = "programme-1"

    await scheduling_events.enrolment(sched.ProgrammeEnrolled, programme, anna)
    enrolled = (await smtp.mails("anna.kurs@example.no", 2))[1]
    sender = enrolled.message["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == (
        "Nordveggen Næringshage",
        "no-reply@hoppid.example",
    )
    assert enrolled.message["Content-Language"] == "nb"
    assert enrolled.message["Subject"] == "Du har fått plass på kurset hos Nordveggen Næringshage"
    assert "Hei Kari Nordmann" in enrolled.text

    await scheduling_events.enrolment(sched.ProgrammeWaitlisted, programme, ben, position=1)
    waiting = (await smtp.mails("ben.course@example.no", 2))[1]
    assert waiting.message["Subject"] == "You are on the waiting list for the course"
    assert "number 1 on the waiting list" in waiting.text
    await scheduling_events.enrolment(sched.ProgrammeEnrolled, programme, None)  # a school class
    await scheduling_events.enrolment(
        sched.ProgrammeEnrolmentCancelled, programme, anna, was="enrolled"
    )
    await scheduling_events.enrolment(sched.ProgrammePromoted, programme, ben)
    promoted = (await smtp.mails("ben.course@example.no", 3))[2]
    assert promoted.message["Subject"] == "A place came free: you are on the course"
    await scheduling_events.enrolment(sched.ProgrammeEnrolled, programme, cato)
    await smtp.mails("cato.kurs@example.no", 2)

    reminder = sched.SessionReminderDue(
        programme_id=programme,
        office_id="nordveggen",
        kind="course",
        session_id="s1",
        reminder="24h",
        start=SESSION,
        end=SESSION + timedelta(hours=2),
        enrolled=2,
        due_at=datetime.now(UTC),
    )
    sent = await scheduling_events.scheduling_event(reminder, programme)
    ben_reminder = (await smtp.mails("ben.course@example.no", 4))[3]
    cato_reminder = (await smtp.mails("cato.kurs@example.no", 3))[2]
    assert ben_reminder.message["Subject"] == "Reminder: the course meets tomorrow"
    assert "Tuesday 04.06.2030 at 17:00-19:00 (Norwegian time)" in ben_reminder.text
    assert cato_reminder.message["Subject"] == "Påminning: samling i kurset i morgon"
    assert "tysdag 04.06.2030 kl. 17:00-19:00" in cato_reminder.text

    await scheduling_events.publish(sent)  # redelivered: the same CloudEvents id

    async def twice() -> bool:
        return await handled(notifications, sched.SessionReminderDue) == 2

    await eventually(twice, what="the redelivered reminder handled")
    assert len(smtp.handler.to("ben.course@example.no")) == 4  # nothing doubled
    assert len(smtp.handler.to("cato.kurs@example.no")) == 3
    assert len(smtp.handler.to("anna.kurs@example.no")) == 2  # cancelled: no reminder
    stored = await database["enrolments"].find_one({"_id": f"enrolment-{anna}"})
    assert stored is not None and stored["status"] == "cancelled"
    assert "anna.kurs" not in str(stored)


async def test_a_desk_booking_is_confirmed_in_the_persons_language(
    notifications: ServiceProcess,
    intake_events: IntakeEvents,
    scheduling_events: SchedulingEvents,
    smtp: SmtpServer,
    database: Any,
) -> None:
    await office_kept(intake_events, database)
    person = await person_with_receipt(intake_events, smtp, "dina.desk@example.no", "nn")
    seat = sched.SeatBooked(
        seat_booking_id="seat-1",
        office_id="nordveggen",
        desk_id="desk-3",
        day=date(2030, 6, 5),
        half="afternoon",
        person_id=person,
        booked_by="entrepreneur",
        booked_at=datetime.now(UTC),
    )
    await scheduling_events.scheduling_event(seat, "seat-1")
    mail = (await smtp.mails("dina.desk@example.no", 2))[1]
    assert mail.message["Subject"] == "Kontorplass tinga: onsdag 05.06.2030 ettermiddag"
    assert mail.message["Content-Language"] == "nn"
    assert mail.message["From"].addresses[0].display_name == "Nordveggen Næringshage"
    assert "plass desk-3" in mail.text and "Hei Kari Nordmann" in mail.text
