"""A programme's new times and its cancellation reach everyone holding a place, by real SMTP
on loopback: the test plays intake (who the people are, sealed) and scheduling (enrolments,
then programme.changed and the enrolment_cancelled events of a whole programme's cancellation,
as scheduling writes them). Each person gets one mail per event in their language, seated or
waiting; a capacity change alone, and one person's own cancellation, write to nobody; a
redelivered event doubles nothing."""

from datetime import UTC, datetime, timedelta
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

PROGRAMME = "programme-changing"
CHANGED_AT = datetime(2030, 5, 2, 8, 0, tzinfo=UTC)
FIRST = datetime(2030, 6, 4, 15, 0, tzinfo=UTC)  # 17:00 in Oslo (summer time)
PEOPLE = {  # address: (language, status)
    "anna.endring@example.no": ("nb", sched.ProgrammeEnrolled),
    "ben.change@example.no": ("en", sched.ProgrammeEnrolled),
    "cato.endring@example.no": ("nn", sched.ProgrammeWaitlisted),
}


def _changed(changed: list[str], capacity: int = 10) -> sched.ProgrammeChanged:
    sessions = [
        sched.ProgrammeSession(id=f"s{n + 1}", start=start, end=start + timedelta(hours=2))
        for n, start in enumerate([FIRST, FIRST + timedelta(days=7)])
    ]
    return sched.ProgrammeChanged(
        programme_id=PROGRAMME,
        office_id="nordveggen",
        kind="course",
        changed=changed,  # type: ignore[arg-type]
        sessions=sessions,
        capacity=capacity,
        previous_capacity=10,
        changed_by="staff",
        changed_at=CHANGED_AT,
    )


async def test_new_times_and_a_cancelled_programme_reach_everyone_holding_a_place(
    notifications: ServiceProcess,
    intake_events: IntakeEvents,
    scheduling_events: SchedulingEvents,
    smtp: SmtpServer,
    database: Any,
) -> None:
    await office_kept(intake_events, database)
    ids: dict[str, str] = {}
    for email, (lang, model) in PEOPLE.items():
        ids[email] = await person_with_receipt(intake_events, smtp, email, lang)
        extra = {"position": 1} if model is sched.ProgrammeWaitlisted else {}
        await scheduling_events.enrolment(model, PROGRAMME, ids[email], **extra)
        await smtp.mails(email, 2)
    await scheduling_events.enrolment(sched.ProgrammeEnrolled, PROGRAMME, None)  # a class

    await scheduling_events.scheduling_event(_changed(["capacity"], 12), PROGRAMME)
    moved = await scheduling_events.scheduling_event(_changed(["sessions"]), PROGRAMME)
    anna = (await smtp.mails("anna.endring@example.no", 3))[2]
    assert anna.message["Subject"] == "Nye tider for kurset hos Nordveggen Næringshage"
    lines = anna.text.replace("\r\n", "\n")  # mail ends its lines with CRLF
    assert "- tirsdag 04.06.2030 kl. 17:00-19:00\n- tirsdag 11.06.2030 kl. 17:00-19:00" in lines
    ben = (await smtp.mails("ben.change@example.no", 3))[2]
    assert ben.message["Subject"] == "New times for the course at Nordveggen Næringshage"
    assert "Tuesday 04.06.2030 at 17:00-19:00" in ben.text
    cato = (await smtp.mails("cato.endring@example.no", 3))[2]  # waiting: told as well
    assert cato.message["Subject"] == "Nye tider for kurset hos Nordveggen Næringshage"
    assert "tysdag 11.06.2030 kl. 17:00-19:00" in cato.text

    # the office cancels the programme: one enrolment_cancelled per place, as scheduling writes
    ended = []
    for email, (_, model) in PEOPLE.items():
        was = "waitlisted" if model is sched.ProgrammeWaitlisted else "enrolled"
        ended.append(
            await scheduling_events.enrolment(
                sched.ProgrammeEnrolmentCancelled,
                PROGRAMME,
                ids[email],
                was=was,
                reason="programme_cancelled",
            )
        )
    anna = (await smtp.mails("anna.endring@example.no", 4))[3]
    assert anna.message["Subject"] == "Avlyst: kurset hos Nordveggen Næringshage"
    assert "har dessverre avlyst kurset" in anna.text
    ben = (await smtp.mails("ben.change@example.no", 4))[3]
    assert ben.message["Subject"] == "Cancelled: the course at Nordveggen Næringshage"
    cato = (await smtp.mails("cato.endring@example.no", 4))[3]
    assert "ventelista" in cato.text and cato.message["Content-Language"] == "nn"

    await scheduling_events.publish(moved)  # redelivered: the same CloudEvents ids
    await scheduling_events.publish(ended[0])

    async def redelivered() -> bool:
        return (
            await handled(notifications, sched.ProgrammeChanged) == 3
            and await handled(notifications, sched.ProgrammeEnrolmentCancelled) == 4
        )

    await eventually(redelivered, what="the redelivered events handled")
    for email in PEOPLE:
        assert len(smtp.handler.to(email)) == 4, email  # nothing doubled, no capacity mail
    kept = await database["enrolments"].find_one({"_id": f"enrolment-{ids[next(iter(PEOPLE))]}"})
    assert kept is not None and kept["status"] == "cancelled"


async def test_one_persons_own_cancellation_writes_to_nobody(
    notifications: ServiceProcess,
    intake_events: IntakeEvents,
    scheduling_events: SchedulingEvents,
    smtp: SmtpServer,
) -> None:
    await intake_events.office_changed(name="Nordveggen Næringshage")
    email = "dina.avmeldt@example.no"
    person = await person_with_receipt(intake_events, smtp, email, "nb")
    await scheduling_events.enrolment(sched.ProgrammeEnrolled, PROGRAMME, person)
    await smtp.mails(email, 2)
    await scheduling_events.enrolment(
        sched.ProgrammeEnrolmentCancelled, PROGRAMME, person, was="enrolled"
    )

    async def done() -> bool:
        return await handled(notifications, sched.ProgrammeEnrolmentCancelled) == 1

    await eventually(done, what="the cancellation handled")
    assert len(smtp.handler.to(email)) == 2
