"""Faults: a crash between claim and record never sends twice; a failing mail server is retried
with backoff, then the message fails visibly and the next one still goes."""

import threading
from typing import Any

from notifications_support import (
    IntakeEvents,
    RecordingHandler,
    SmtpServer,
    handled,
    metric,
    notifications_env,
    started,
)

from hoppid.contracts import intake as ev
from hoppid.shared.testing import ServiceProcess, eventually, of_type, read_envelopes


async def test_killed_between_claim_and_record_sends_at_most_once(
    topic_prefix: str, unique: str, database: Any, intake_events: IntakeEvents
) -> None:
    hold = threading.Event()
    with SmtpServer(RecordingHandler(hold=hold)) as smtp:
        service = ServiceProcess(
            "notifications", notifications_env(topic_prefix, unique, smtp.port)
        )
        await started(service)
        try:
            first, _ = await intake_events.inquiry_received("first@example.no")

            async def claimed_and_sent() -> bool:
                person = first.data["person_id"]
                delivery = await database["deliveries"].find_one({"person_id": person})
                sending = delivery is not None and delivery["status"] == "sending"
                return sending and smtp.handler.data_started.is_set()

            await eventually(claimed_and_sent, what="the text at the server, the result unrecorded")
            await service.kill()  # SIGKILL: the reply never arrives, nothing is recorded
            hold.set()
            smtp.handler.hold = None

            await started(service)  # the same data: the uncommitted event comes again
            await intake_events.inquiry_received("second@example.no")
            await eventually(lambda: _value(smtp.handler.to("second@example.no")), what="next")

            async def redelivered_and_next() -> bool:
                return await handled(service, ev.InquiryReceived) == 2

            await eventually(redelivered_and_next, what="the first event handled again")
        finally:
            await service.stop()

    assert len(smtp.handler.to("first@example.no")) == 1  # at most once, never twice
    left = await database["deliveries"].find_one({"person_id": first.data["person_id"]})
    assert left is not None and left["status"] == "sending"  # left for a person to check


async def test_failing_smtp_is_retried_then_failed_and_the_next_message_goes(
    notifications: ServiceProcess,
    intake_events: IntakeEvents,
    smtp: SmtpServer,
    database: Any,
    topic_prefix: str,
) -> None:
    smtp.handler.fail_for.add("broken@example.no")
    broken, _ = await intake_events.inquiry_received("broken@example.no")
    await intake_events.inquiry_received("fine@example.no")

    found = await read_envelopes(
        f"{topic_prefix}hoppid.notifications",
        lambda es: (
            len(of_type(es, "notifications.message.failed.v2")) == 1
            and len(of_type(es, "notifications.message.sent.v2")) == 1
        ),
        timeout=60,
    )
    failed = of_type([e for _, e in found], "notifications.message.failed.v2")[0]
    assert failed.data["reason"] == "retries_spent" and failed.data["attempts"] == 3
    assert failed.data["recipient_id"] == broken.data["person_id"]
    assert smtp.handler.refused == ["broken@example.no"] * 3  # three attempts, then given up
    assert len(smtp.handler.to("fine@example.no")) == 1
    assert smtp.handler.to("broken@example.no") == []
    delivery = await database["deliveries"].find_one({"_id": failed.data["delivery_id"]})
    assert delivery is not None
    assert (delivery["status"], delivery["last_error"]) == ("failed", "rcpt_to_451")
    failed_count = await metric(
        notifications, "hoppid_notifications_messages_total", outcome="failed"
    )
    retried = await metric(notifications, "hoppid_notifications_messages_total", outcome="retried")
    assert (failed_count, retried) == (1, 2)


async def _value(value: Any) -> Any:
    return value
