"""A correction through the person's link (intake's ``person.corrected``): the next message
uses the corrected name and language; a repeated or older correction changes nothing, and a
correction read before the inquiry it corrects (another partition) still wins over it. A new
link the person asked for (``link.issued``) is mailed, and later messages carry it."""

from datetime import UTC, datetime, timedelta
from typing import Any

from notifications_support import IntakeEvents, SchedulingEvents, SmtpServer

from hoppid.shared.clock import real_now
from hoppid.shared.testing import ServiceProcess, eventually, of_type, read_envelopes


async def test_the_next_message_uses_the_newest_correction(
    notifications: ServiceProcess,
    intake_events: IntakeEvents,
    smtp: SmtpServer,
    database: Any,
) -> None:
    inquiry, _ = await intake_events.inquiry_received("rett@example.no", language="nb")
    person = inquiry.data["person_id"]
    receipt = (await smtp.mails("rett@example.no", 1))[0]
    assert "Hei Kari Nordmann" in receipt.text
    corrected_at = real_now()
    correction = await intake_events.person_corrected(person, "Kari Endra", "en", corrected_at)
    await intake_events.publish(correction)  # delivered twice
    older = corrected_at - timedelta(minutes=5)
    await intake_events.person_corrected(person, "Kari Gammal", "nn", older)  # out of order
    await intake_events.consent_withdrawn(person, "newsletter")

    confirmation = (await smtp.mails("rett@example.no", 2))[1]
    assert confirmation.message["Subject"] == "You are unsubscribed from the newsletter"
    assert confirmation.message["Content-Language"] == "en"
    assert "Hello Kari Endra," in confirmation.text
    stored = await database["people"].find_one({"_id": person})
    assert stored is not None and "Kari" not in str(stored)  # the name is sealed
    assert stored["corrected_language"] == "en"


async def test_a_correction_read_before_its_inquiry_still_wins(
    notifications: ServiceProcess,
    intake_events: IntakeEvents,
    smtp: SmtpServer,
    database: Any,
) -> None:
    """The inquiry's key is its case, the correction's the person: a consumer reading from the
    start may meet the correction first; the inquiry, older, must not undo it."""
    inquiry, _ = await intake_events.inquiry_received("tidleg@example.no", publish=False)
    person = inquiry.data["person_id"]
    await intake_events.person_corrected(person, "Ola Endra", "nn")

    async def correction_kept() -> Any:
        return await database["people"].find_one({"_id": person, "corrected_language": "nn"})

    await eventually(correction_kept, what="the correction kept, with no copy yet")
    await intake_events.publish(inquiry)
    await smtp.mails("tidleg@example.no", 1)  # the receipt, made from the event itself
    await intake_events.consent_withdrawn(person, "newsletter")
    confirmation = (await smtp.mails("tidleg@example.no", 2))[1]
    assert confirmation.message["Subject"] == "Du er meld av nyheitsbrevet"
    assert "Hei Ola Endra," in confirmation.text


async def test_a_correction_after_erasure_keeps_nothing(
    notifications: ServiceProcess,
    intake_events: IntakeEvents,
    smtp: SmtpServer,
    database: Any,
    topic_prefix: str,
) -> None:
    inquiry, _ = await intake_events.inquiry_received("borte@example.no")
    person = inquiry.data["person_id"]
    await smtp.mails("borte@example.no", 1)
    late = await intake_events.person_corrected(person, "Ny Person", "en", publish=False)
    await intake_events.erasure_requested(person, [inquiry.subject])
    await smtp.mails("borte@example.no", 2)  # the erasure confirmation
    await intake_events.publish(late)  # a correction redelivered after the erasure
    await intake_events.consent_withdrawn(person, "newsletter")  # after it, in its partition
    await read_envelopes(
        f"{topic_prefix}hoppid.notifications",
        lambda es: bool(of_type(es, "notifications.message.suppressed.v2")),
    )  # the withdrawal handled (no address: suppressed), so the correction before it too
    stored = await database["people"].find_one({"_id": person})
    assert stored is not None and stored.get("erased_at")
    assert "correction" not in stored and "corrected_language" not in stored


async def test_a_new_link_is_mailed_once_and_later_messages_carry_it(
    notifications: ServiceProcess,
    intake_events: IntakeEvents,
    scheduling_events: SchedulingEvents,
    smtp: SmtpServer,
    database: Any,
) -> None:
    inquiry, old = await intake_events.inquiry_received("ny.lenke@example.no", language="en")
    person = inquiry.data["person_id"]
    await smtp.mails("ny.lenke@example.no", 1)
    issued = await intake_events.link_issued(person, "ny.lenke@example.no", "token-new-123")
    await intake_events.publish(issued)  # a re-published event: one mail
    mail = (await smtp.mails("ny.lenke@example.no", 2))[1]
    assert mail.message["Subject"] == "Your new link"
    assert "https://hoppid.example/v1/me/token-new-123" in mail.text

    async def kept() -> Any:  # the offer comes on another topic: not after it by itself
        return await database["people"].find_one({"_id": person, "link_at": {"$ne": None}})

    await eventually(kept, what="the new link kept")
    start = datetime(2030, 6, 3, 8, 0, tzinfo=UTC)
    await scheduling_events.slots_offered(person, inquiry.subject, [start])
    offer = (await smtp.mails("ny.lenke@example.no", 3))[2]
    assert "/pages/me/token-new-123/meetings" in offer.text and old not in offer.text
    assert [m.message["Subject"] for m in smtp.handler.to("ny.lenke@example.no")].count(
        "Your new link"
    ) == 1
