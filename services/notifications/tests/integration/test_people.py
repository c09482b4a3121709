"""The person's data: consent confirmations while the address is readable, erasure everywhere,
and nothing sent once the person's key is destroyed."""

from typing import Any

from notifications_support import IntakeEvents, SmtpServer, handled

from hoppid.shared.events import intake as ev
from hoppid.shared.testing import ServiceProcess, eventually, of_type, read_envelopes


async def test_consent_confirmation_then_erasure_then_nothing(
    notifications: ServiceProcess,
    intake_events: IntakeEvents,
    smtp: SmtpServer,
    database: Any,
    topic_prefix: str,
) -> None:
    inquiry, _ = await intake_events.inquiry_received("nora@example.no", language="en")
    person = inquiry.data["person_id"]
    await eventually(lambda: _value(smtp.handler.to("nora@example.no")), what="receipt")
    await intake_events.consent_withdrawn(person, "newsletter")

    async def two_mails() -> bool:
        return len(smtp.handler.to("nora@example.no")) == 2

    await eventually(two_mails, what="the confirmation")
    confirmation = smtp.handler.to("nora@example.no")[1].message
    assert confirmation["Subject"] == "You are unsubscribed from the newsletter"

    await intake_events.erasure_requested(person, [inquiry.subject])

    async def erased() -> bool:
        stored = await database["people"].find_one({"_id": person})
        return stored is not None and "erased_at" in stored

    await eventually(erased, what="the person forgotten")
    stored = await database["people"].find_one({"_id": person})
    assert stored is not None and "email" not in stored and "name" not in stored
    async for delivery in database["deliveries"].find({"person_id": person}):
        assert delivery["to"] is None and delivery["subject"] is None
        assert "content" not in delivery and delivery["erased_at"]

    await intake_events.consent_withdrawn(person, "processing")
    await intake_events.publish(inquiry)  # an old copy: its personal fields no longer open
    found = await read_envelopes(
        f"{topic_prefix}hoppid.notifications",
        lambda es: len(of_type(es, "notifications.message.suppressed.v1")) == 1,
    )
    suppressed = of_type([e for _, e in found], "notifications.message.suppressed.v1")[0]
    assert suppressed.data["reason"] == "no_address"
    assert suppressed.data["message"] == "consent_withdrawn_processing"

    async def replay_handled() -> bool:
        return await handled(notifications, ev.InquiryReceived) == 2

    await eventually(replay_handled, what="the old copy handled")
    assert len(smtp.handler.to("nora@example.no")) == 2  # nothing after the erasure
    assert await database["people"].find_one({"_id": person, "email": {"$exists": True}}) is None


async def test_an_inquiry_whose_key_is_destroyed_is_suppressed(
    notifications: ServiceProcess,
    intake_events: IntakeEvents,
    smtp: SmtpServer,
    topic_prefix: str,
) -> None:
    envelope, _ = await intake_events.inquiry_received("erased@example.no", publish=False)
    await intake_events.vault.destroy(envelope.data["person_id"])  # erased before we read it
    await intake_events.publish(envelope)
    await intake_events.inquiry_received("kept@example.no")
    found = await read_envelopes(
        f"{topic_prefix}hoppid.notifications",
        lambda es: (
            len(of_type(es, "notifications.message.suppressed.v1")) == 1
            and len(of_type(es, "notifications.message.sent.v1")) == 1
        ),
    )
    suppressed = of_type([e for _, e in found], "notifications.message.suppressed.v1")[0]
    assert suppressed.data["recipient_id"] == envelope.data["person_id"]
    assert suppressed.data["reason"] == "no_address"
    assert smtp.handler.to("erased@example.no") == []
    assert len(smtp.handler.to("kept@example.no")) == 1


async def _value(value: Any) -> Any:
    return value
