"""Messages through the real interfaces: intake's events on Kafka in, mail over SMTP out,
status events on notifications's topic."""

from typing import Any

from notifications_support import IntakeEvents, SmtpServer, handled

from hoppid.contracts import intake as ev
from hoppid.shared.testing import ServiceProcess, eventually, of_type, read_envelopes


async def test_receipt_in_the_persons_language_from_the_offices_sender(
    notifications: ServiceProcess,
    intake_events: IntakeEvents,
    smtp: SmtpServer,
    database: Any,
    topic_prefix: str,
) -> None:
    await intake_events.office_changed(name="Nordveggen Næringshage")
    await _office_stored(database, name="Nordveggen Næringshage")  # its partition may lag
    sealed, token = await intake_events.inquiry_received("kari@example.no", language="nn")
    assert b"kari@example.no" not in sealed.value()  # the topic holds it sealed

    mails = await eventually(lambda: _async(smtp.handler.to("kari@example.no")), what="receipt")
    assert len(mails) == 1
    mail = mails[0].message
    assert mail["From"].addresses[0].display_name == "Nordveggen Næringshage"
    assert mail["Reply-To"] == "post@nordveggen.example"
    assert mail["Content-Language"] == "nn"
    assert "førespurnaden" in mail["Subject"]  # nynorsk
    assert f"https://hoppid.example/v1/me/{token}" in mails[0].text
    assert "Venleg helsing" in mails[0].text and "Kari Nordmann" in mails[0].text
    assert f'href="https://hoppid.example/v1/me/{token}"' in mails[0].html

    found = await read_envelopes(
        f"{topic_prefix}hoppid.notifications",
        lambda es: len(of_type(es, "notifications.message.sent.v2")) == 1,
    )
    record, sent = next((r, e) for r, e in found if e.type.endswith("message.sent.v2"))
    assert sent.data["recipient_id"] == sealed.data["person_id"]
    assert sent.data["language"] == "nn" and sent.data["fallback_language"] is False
    assert sent.office == "nordveggen" and sent.subject == sent.data["delivery_id"]
    assert b"kari@example.no" not in record.value and token.encode() not in record.value
    delivery = await database["deliveries"].find_one({"_id": sent.data["delivery_id"]})
    assert delivery is not None and delivery["status"] == "sent"
    assert "content" not in delivery  # the text with the link is not kept


async def test_the_same_event_twice_sends_one_email(
    notifications: ServiceProcess, intake_events: IntakeEvents, smtp: SmtpServer
) -> None:
    envelope, _ = await intake_events.inquiry_received("ola@example.no", language="en")
    await intake_events.publish(envelope)  # redelivered: same CloudEvents id

    async def both_handled() -> bool:
        return await handled(notifications, ev.InquiryReceived) == 2

    await eventually(both_handled, what="both deliveries handled")
    mails = smtp.handler.to("ola@example.no")
    assert len(mails) == 1
    assert mails[0].message["Subject"].startswith("We have received")


async def test_new_case_notice_goes_to_the_office_contact(
    notifications: ServiceProcess, intake_events: IntakeEvents, smtp: SmtpServer, database: Any
) -> None:
    await intake_events.office_changed(languages=["en", "nb"], contact_email="desk@rauma.example")
    await _office_stored(database, contact_email="desk@rauma.example")
    await intake_events.case_opened("case-77")
    mails = await eventually(lambda: _async(smtp.handler.to("desk@rauma.example")), what="notice")
    assert mails[0].message["Subject"] == "New case HOP-CASE-OPEN"  # the office's language
    assert "guidance, office_seat" in mails[0].text and "case-77" in mails[0].text


async def test_an_older_office_change_does_not_undo_a_newer_one(
    notifications: ServiceProcess, intake_events: IntakeEvents, database: Any
) -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    newer = await intake_events.office_changed(name="Newer", changed_at=now)
    await intake_events.office_changed(name="Older", changed_at=now - timedelta(hours=1))
    await intake_events.publish(newer)

    async def three_handled() -> bool:
        return await handled(notifications, ev.OfficeChanged) >= 3

    await eventually(three_handled, what="office changes handled")
    office = await database["offices"].find_one({"_id": "nordveggen"})
    assert office is not None and office["name"] == "Newer"


async def _async(value: Any) -> Any:
    return value


async def _office_stored(database: Any, **expected: Any) -> None:
    """Wait until the office change is stored: an office's events and a case's events go to
    different partitions, so without this the case could be read first."""

    async def stored() -> bool:
        office = await database["offices"].find_one({"_id": "nordveggen"}) or {}
        return all(str(office).find(str(value)) >= 0 for value in expected.values())

    await eventually(stored, what=f"the office change {expected} stored")
