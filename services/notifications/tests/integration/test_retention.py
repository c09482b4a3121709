"""notifications' retention pass, called with the moment it judges by, against the running
service's store: a receipt and a meeting's confirmation sent to a real SMTP server keep their
address, subject and person until they are past their period, then only what counts; the
meeting's calendar versions and the enrolment go once they are long past."""

from datetime import UTC, datetime, timedelta
from typing import Any

from notifications_support import IntakeEvents, SchedulingEvents, SmtpServer, office_kept

from hoppid.contracts import scheduling as sched
from hoppid.notifications import retention
from hoppid.shared.testing import ServiceProcess, eventually

DAY = timedelta(days=1)
PERIODS = retention.Periods(deliveries=180 * DAY, meetings=365 * DAY, export_answers=30 * DAY)
MEETING = datetime(2030, 6, 3, 8, 0, tzinfo=UTC)


async def test_old_deliveries_keep_only_what_counts(
    notifications: ServiceProcess,
    intake_events: IntakeEvents,
    scheduling_events: SchedulingEvents,
    smtp: SmtpServer,
    database: Any,
) -> None:
    await office_kept(intake_events, database)
    inquiry, _ = await intake_events.inquiry_received("rita@example.no", language="en")
    await eventually(lambda: _mails(smtp), what="the receipt")
    person = inquiry.data["person_id"]
    await scheduling_events.meeting_booked(person, inquiry.subject, MEETING)
    await scheduling_events.enrolment(sched.ProgrammeEnrolled, "course-1", person)

    async def all_done() -> list[Any]:  # to her, and the advisor's (unknown: suppressed)
        found = [d async for d in database["deliveries"].find({})]
        done = [d for d in found if d["status"] in retention.DONE]
        return found if len(found) == 4 and len(done) == 4 else []

    sent = await eventually(all_done, what="receipt, confirmation, enrolment, the advisor's")
    assert await database["bookings"].count_documents({}) == 1
    enrolment = await database["enrolments"].find_one({"person_id": person})
    last = max([d["updated_at"] for d in sent] + [enrolment["as_of"]])

    early = await retention.one_pass(database, PERIODS, last + 179 * DAY)
    assert set(early.values()) == {0}
    assert [d["to"] for d in sent if d["status"] == "sent"] == ["rita@example.no"] * 3

    later = await retention.one_pass(database, PERIODS, max(last + 181 * DAY, MEETING + 366 * DAY))
    assert later == {
        "deliveries_anonymised": 4,
        "meetings_deleted": 1,
        "enrolments_deleted": 1,
        "export_answers_deleted": 0,  # none answered (shared/tests: test_export_answers.py)
    }
    async for delivery in database["deliveries"].find({}):
        assert "rita" not in str(delivery).lower()
        assert delivery["person_id"] is None and delivery["subject"] is None
        assert delivery["office_id"] == "nordveggen" and delivery["status"]  # what counts
    messages = {d["message"]: d["status"] async for d in database["deliveries"].find({})}
    assert messages == {
        "inquiry_receipt": "sent",
        "meeting_booked": "sent",
        "programme_enrolled": "sent",
        "advisor_meeting_booked": "suppressed",
    }
    assert await database["bookings"].count_documents({}) == 0
    assert await database["enrolments"].count_documents({}) == 0
    again = await retention.one_pass(database, PERIODS, MEETING + 400 * DAY)
    assert set(again.values()) == {0}  # nothing twice


async def _mails(smtp: SmtpServer) -> list[Any]:
    return smtp.handler.to("rita@example.no")
