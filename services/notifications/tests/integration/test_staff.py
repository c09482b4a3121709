"""Staff mail through the real interfaces: the advisor directory from scheduling's sealed
``advisor.changed``, a meeting booked with an advisor, and the daily digest (exactly once per
advisor and day, also across a restart). Mail goes to a real SMTP server on loopback."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from notifications_support import (
    IntakeEvents,
    Received,
    SchedulingEvents,
    SmtpServer,
    metric,
    notifications_env,
    started,
)

from hoppid.shared.testing import ServiceProcess, eventually, of_type, read_envelopes

# its outcome could depend on the hour, weekday or DST: scripts/time_of_day.sh
pytestmark = pytest.mark.time_of_day

OSLO = ZoneInfo("Europe/Oslo")
SUMMER = datetime(2030, 6, 3, 8, 0, tzinfo=UTC)  # 10:00 in Oslo


def _subjects(smtp: SmtpServer, email: str, start: str) -> list[Received]:
    return [m for m in smtp.handler.to(email) if str(m.message["Subject"]).startswith(start)]


async def _stored(database: Any, collection: str, selector: dict[str, Any], count: int) -> None:
    async def there() -> bool:
        return await database[collection].count_documents(selector) == count

    await eventually(there, what=f"{count} in {collection}")


async def test_a_meeting_booked_with_an_advisor_is_mailed_to_them(
    notifications: ServiceProcess,
    intake_events: IntakeEvents,
    scheduling_events: SchedulingEvents,
    smtp: SmtpServer,
    database: Any,
    topic_prefix: str,
) -> None:
    await scheduling_events.advisor_changed("advisor-7", "vera@nordveggen.example", ["nn", "nb"])
    await _stored(database, "advisors", {"_id": "advisor-7"}, 1)
    stored = await database["advisors"].find_one({"_id": "advisor-7"})
    assert "vera@" not in str(stored)  # kept sealed, as it travelled
    inquiry, _ = await intake_events.inquiry_received("petter@example.no")
    person = inquiry.data["person_id"]

    async def receipt() -> bool:  # the person is known before the meeting
        return len(smtp.handler.to("petter@example.no")) == 1

    await eventually(receipt, what="the receipt")
    await scheduling_events.meeting_booked(person, inquiry.subject, SUMMER, advisor_id="advisor-7")

    async def both() -> bool:
        staff_mail = _subjects(smtp, "vera@nordveggen.example", "Nytt møte")
        return len(staff_mail) == 1 and len(smtp.handler.to("petter@example.no")) == 2

    await eventually(both, what="the advisor's and the person's mail")
    mail = _subjects(smtp, "vera@nordveggen.example", "Nytt møte")[0]
    assert mail.message["Subject"] == "Nytt møte: måndag 03.06.2030 kl. 10:00-11:00"  # nynorsk
    assert mail.message["Content-Language"] == "nn"
    assert mail.mail_from == "no-reply@hoppid.example"
    assert "Rettleiingsmøte" in mail.text and inquiry.subject in mail.text
    assert "petter@example.no" not in mail.text and "Kari" not in mail.text  # no person's data

    found = await read_envelopes(
        f"{topic_prefix}hoppid.notifications",
        lambda es: any(
            e.data["message"] == "advisor_meeting_booked"
            for e in of_type(es, "notifications.message.sent.v2")
        ),
    )
    # (the day's digest may go too: the default digest time may have passed)
    sent = [e for _, e in found if e.data.get("message") == "advisor_meeting_booked"]
    assert sent[0].data["recipient_kind"] == "advisor"
    assert sent[0].data["recipient_id"] == "advisor-7"
    assert sent[0].data["message"] == "advisor_meeting_booked"
    assert "vera" not in str(sent[0].data)


def _at_oslo(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=OSLO).astimezone(UTC)


async def test_the_daily_digest_goes_once_per_advisor_even_across_a_restart(
    topic_prefix: str,
    unique: str,
    database: Any,
    smtp: SmtpServer,
    intake_events: IntakeEvents,
    scheduling_events: SchedulingEvents,
) -> None:
    env = notifications_env(
        topic_prefix, unique, smtp.port, HOPPID_NOTIFICATIONS_DIGEST_AT="00:00"
    )  # due from midnight: always due today
    service = await started(ServiceProcess("notifications", env))
    try:
        today = datetime.now(OSLO).date()
        tomorrow = today + timedelta(days=1)
        for case, reference in (("c1", "HOP-C1"), ("c2", "HOP-C2"), ("c3", "HOP-C3")):
            await intake_events.case_opened(f"{unique}-{case}", reference=reference)
        await intake_events.case_status_changed(f"{unique}-c3", "closed")
        for person in ("p1", "p2", "p3", "p4"):  # known: their own mail need not wait for them
            await intake_events.inquiry_received(f"{person}@example.no", person_id=person)
        await scheduling_events.meeting_booked(
            "p1", f"{unique}-c1", _at_oslo(tomorrow, 10), advisor_id="a1"
        )
        await scheduling_events.meeting_booked(
            "p2", f"{unique}-c2", _at_oslo(tomorrow, 12), advisor_id="a1"
        )
        cancelled = await scheduling_events.meeting_booked(
            "p3", f"{unique}-c2", _at_oslo(tomorrow, 13), advisor_id="a1"
        )
        await scheduling_events.meeting_cancelled(cancelled, _at_oslo(tomorrow, 13))
        later = tomorrow + timedelta(days=1)
        await scheduling_events.meeting_booked(
            "p4", f"{unique}-c1", _at_oslo(later, 14), advisor_id="a1"
        )
        await _stored(database, "bookings", {"advisor_id": "a1"}, 4)
        await _stored(database, "bookings", {"cancelled": True}, 1)
        await _stored(database, "cases", {"status": "closed"}, 1)
        await _stored(database, "cases", {"reference": {"$exists": True}}, 3)

        # the advisors appear after their meetings are known: each digest is complete
        await scheduling_events.advisor_changed("a1", "a1@nordveggen.example", ["nb"])
        await scheduling_events.advisor_changed("a2", "a2@nordveggen.example", ["en"])
        await scheduling_events.advisor_changed("a3", "a3@nordveggen.example", ["nb"], active=False)

        async def digests() -> bool:
            return all(len(smtp.handler.to(f"{a}@nordveggen.example")) == 1 for a in ("a1", "a2"))

        await eventually(digests, what="one digest each")
        a1 = smtp.handler.to("a1@nordveggen.example")[0]
        day = f"{tomorrow:%d.%m.%Y}"
        assert (
            a1.message["Subject"].startswith("Dagsoversikt for ") and day in a1.message["Subject"]
        )
        assert "- 10:00-11:00 Veiledningsmøte, på kontoret (HOP-C1)" in a1.text
        assert "- 12:00-13:00 Veiledningsmøte, på kontoret (HOP-C2)" in a1.text
        assert "13:00-14:00" not in a1.text and "14:00" not in a1.text  # cancelled, day after
        assert "(2):" in a1.text and "HOP-C1 (ny)" in a1.text and "HOP-C3" not in a1.text
        a2 = smtp.handler.to("a2@nordveggen.example")[0]
        assert a2.message["Subject"].startswith("Your day: ") and "No meetings." in a2.text
        assert smtp.handler.to("a3@nordveggen.example") == []  # inactive
    finally:
        await service.stop()
    assert "Traceback" not in service.log_text()

    again = await started(ServiceProcess("notifications", env))
    try:

        async def looked_again() -> bool:
            found = await metric(
                again, "hoppid_notifications_digests_total", outcome="claimed_before"
            )
            return found >= 2

        await eventually(looked_again, what="the restarted service checked the digests")
        assert len(smtp.handler.to("a1@nordveggen.example")) == 1  # not again
        assert len(smtp.handler.to("a2@nordveggen.example")) == 1
        assert await metric(again, "hoppid_notifications_digests_total", outcome="claimed") == 0
    finally:
        await again.stop()
    assert "Traceback" not in again.log_text()
