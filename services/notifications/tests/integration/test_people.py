"""The person's data: consent confirmations while the address is readable, the erasure
confirmation (sent before notifications forgets the address, then scrubbed like every message),
erasure everywhere, and nothing sent once the person's key is destroyed."""

from typing import Any

import httpx
from notifications_support import IntakeEvents, SmtpServer, handled, notifications_env, started

from hoppid.contracts import intake as ev
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
        # the key is shredded last (reactions.person.erasure_requested): the tombstone, the
        # scrub of the deliveries and the preferences are done by then
        key = await database["person_keys"].find_one({"_id": f"notifications:{person}"})
        return key is not None and bool(key.get("destroyed_at"))

    await eventually(erased, what="the person forgotten and their key shredded")
    # intake had destroyed its key first: the confirmation still went, in the person's language
    mails = smtp.handler.to("nora@example.no")
    assert len(mails) == 3
    assert mails[2].message["Subject"] == "Your data has been erased"
    assert mails[2].message["Content-Language"] == "en"
    assert "we have erased your personal data" in mails[2].text
    assert "/preferences" not in mails[2].text  # no link: the person's links no longer work
    stored = await database["people"].find_one({"_id": person})
    assert stored is not None and "email" not in stored and "name" not in stored
    messages = set()
    async for delivery in database["deliveries"].find({"person_id": person}):
        assert delivery["to"] is None and delivery["subject"] is None
        assert "content" not in delivery and delivery["erased_at"]
        assert "nora@example.no" not in str(delivery)
        messages.add(delivery["message"])
    assert "erasure_done" in messages
    key = await database["person_keys"].find_one({"_id": f"notifications:{person}"})
    assert key is not None and key.get("destroyed_at")
    assert "key" not in key and "wrapped" not in key  # shredded too

    await intake_events.consent_withdrawn(person, "processing")
    await intake_events.publish(inquiry)  # an old copy: its personal fields no longer open
    found = await read_envelopes(
        f"{topic_prefix}hoppid.notifications",
        lambda es: len(of_type(es, "notifications.message.suppressed.v2")) == 1,
    )
    suppressed = of_type([e for _, e in found], "notifications.message.suppressed.v2")[0]
    assert suppressed.data["reason"] == "no_address"
    assert suppressed.data["message"] == "consent_withdrawn_processing"

    async def replay_handled() -> bool:
        return await handled(notifications, ev.InquiryReceived) == 2

    await eventually(replay_handled, what="the old copy handled")
    assert len(smtp.handler.to("nora@example.no")) == 3  # nothing after the confirmation
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
            len(of_type(es, "notifications.message.suppressed.v2")) == 1
            and len(of_type(es, "notifications.message.sent.v2")) == 1
        ),
    )
    suppressed = of_type([e for _, e in found], "notifications.message.suppressed.v2")[0]
    assert suppressed.data["recipient_id"] == envelope.data["person_id"]
    assert suppressed.data["reason"] == "no_address"
    assert smtp.handler.to("erased@example.no") == []
    assert len(smtp.handler.to("kept@example.no")) == 1


async def _value(value: Any) -> Any:
    return value


async def test_an_erasure_confirmation_waiting_for_a_retry_goes_then_loses_the_address(
    topic_prefix: str,
    unique: str,
    database: Any,
    smtp: SmtpServer,
    intake_events: IntakeEvents,
) -> None:
    env = notifications_env(
        topic_prefix,
        unique,
        smtp.port,
        HOPPID_NOTIFICATIONS_RETRY_BASE_SECONDS="1",
        HOPPID_NOTIFICATIONS_MAX_ATTEMPTS="6",
    )
    service = await started(ServiceProcess("notifications", env))
    try:
        inquiry, _ = await intake_events.inquiry_received("ella@example.no", language="nb")
        person = inquiry.data["person_id"]
        await eventually(lambda: _value(smtp.handler.to("ella@example.no")), what="receipt")
        smtp.handler.fail_for.add("ella@example.no")  # the mail server says: later (451)
        await intake_events.erasure_requested(person, [inquiry.subject])

        async def waiting() -> Any:
            found = await database["deliveries"].find_one({"message": "erasure_done"})
            forgotten = await database["people"].find_one(
                {"_id": person, "erased_at": {"$ne": None}}
            )
            return found if found and found["status"] == "scheduled" and forgotten else None

        held = await eventually(waiting, what="the confirmation waiting, the person forgotten")
        assert held["to"] == "ella@example.no"  # kept only while it still has to go
        smtp.handler.fail_for.clear()

        async def confirmed() -> bool:
            return len(smtp.handler.to("ella@example.no")) == 2

        await eventually(confirmed, what="the confirmation after the retry")
        assert smtp.handler.to("ella@example.no")[1].message["Subject"] == (
            "Opplysningene dine er slettet"
        )

        async def scrubbed() -> Any:
            found = await database["deliveries"].find_one({"message": "erasure_done"})
            return found if found and found["status"] == "sent" else None

        done = await eventually(scrubbed, what="the confirmation recorded")
        assert done["to"] is None and done["subject"] is None and done["erased_at"]
        assert "content" not in done and done["attempts"] >= 2
    finally:
        await service.stop()
    assert "Traceback" not in service.log_text()


async def test_an_erased_person_s_link_is_dead_here_before_the_erasure_event_arrives(
    notifications: ServiceProcess, intake_events: IntakeEvents, smtp: SmtpServer
) -> None:
    """Intake's first step of an erasure destroys the person's key in the vault; the
    preferences link is refused from that moment, though no erasure event is sent here."""
    inquiry, token = await intake_events.inquiry_received("edel@example.no", signed=True)
    await eventually(lambda: _value(smtp.handler.to("edel@example.no")), what="receipt")
    async with httpx.AsyncClient(base_url=notifications.url, timeout=10) as client:
        api, page = f"/v1/me/{token}/preferences", f"/pages/me/{token}/preferences"
        assert (await client.get(api)).status_code == 200
        assert (await client.get(page)).status_code == 200

        await intake_events.vault.destroy(inquiry.data["person_id"])  # as intake's erasure begins

        assert (await client.get(api)).status_code == 401
        assert (await client.get(page)).status_code == 404
