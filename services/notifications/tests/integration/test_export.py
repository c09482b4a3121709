"""notifications's part of a person's export: asked for twice (a redelivery), answered once on
its topic, the part sealed with the person's key and holding the contact copy and the messages
sent (never their text); an erased person gets no answer."""

import json
import uuid
from typing import Any

from notifications_support import IntakeEvents, SmtpServer, handled

from hoppid.contracts import intake as ev
from hoppid.shared.clock import real_now
from hoppid.shared.testing import ServiceProcess, eventually, of_type, read_envelopes

ANSWERED = "notifications.person_export.answered.v1"


async def asked(intake_events: IntakeEvents, person_id: str) -> tuple[str, Any]:
    export_id = str(uuid.uuid4())
    event = ev.PersonExportRequested(
        export_id=export_id, person_id=person_id, requested_at=real_now()
    )
    return export_id, event.to_envelope(source=ev.SOURCE, subject=person_id)


async def test_an_export_request_twice_is_answered_once_and_sealed(
    notifications: ServiceProcess,
    intake_events: IntakeEvents,
    smtp: SmtpServer,
    topic_prefix: str,
) -> None:
    inquiry, _ = await intake_events.inquiry_received("eva@example.no", language="en")
    person = inquiry.data["person_id"]

    async def receipt_sent() -> bool:
        return bool(smtp.handler.to("eva@example.no"))

    await eventually(receipt_sent, what="the receipt")
    export_id, request = await asked(intake_events, person)
    await intake_events.publish(request)
    await intake_events.publish(request)  # redelivered
    erased = f"person-{uuid.uuid4().hex[:8]}"
    erased_inquiry, _ = await intake_events.inquiry_received("gone@example.no", person_id=erased)
    await intake_events.erasure_requested(erased, [erased_inquiry.subject])
    erased_export, erased_request = await asked(intake_events, erased)
    await intake_events.publish(erased_request)
    # a later request of the first person (same partition): once it is answered, the two
    # before it have been handled; the erased person's is counted as handled
    later_id, later = await asked(intake_events, person)
    await intake_events.publish(later)

    async def all_handled() -> bool:  # each delivery counted, the redelivery too
        return await handled(notifications, ev.PersonExportRequested) >= 4

    await eventually(all_handled, timeout=60, what="the four requests handled")

    topic = f"{topic_prefix}hoppid.notifications"
    found = await read_envelopes(
        topic,
        lambda es: any(e.data["export_id"] == later_id for e in of_type(es, ANSWERED)),
        timeout=60,
    )
    answers = of_type([e for _, e in found], ANSWERED)
    assert [e.data["export_id"] for e in answers].count(export_id) == 1
    assert erased_export not in [e.data["export_id"] for e in answers]
    (answer,) = [e for e in answers if e.data["export_id"] == export_id]
    raw = next(r for r, e in found if e.id == answer.id)
    assert b"eva@example.no" not in raw.value and "sealed" in answer.data["part"]
    part = json.loads((await intake_events.vault.unseal(answer)).data["part"])
    assert part["contact"]["email"] == "eva@example.no"
    (receipt,) = part["messages"]
    assert receipt["to"] == "eva@example.no" and receipt["status"] == "sent"
    assert "content" not in receipt and "text" not in receipt
