"""The person's export in intake: asked for through the link (``person.export_requested`` on
the topic), the other services' parts taken from their topics by the running service (a part
delivered twice changes nothing), and the export's status judged by an injected clock: being
gathered, then after the timeout shown with the missing part named; deleted after its time."""

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from intake_support import Intake, inquiry

from hoppid.contracts import scheduling as scheduling_events
from hoppid.intake import person_export
from hoppid.intake.context import Context, NotFound
from hoppid.intake.store import IntakeStore
from hoppid.shared.envelope import Envelope
from hoppid.shared.testing import (
    eventually,
    kafka_servers,
    of_type,
    read_envelopes,
    vault_for_tests,
)


async def link_token(intake: Intake, database: Any) -> str:
    found = await read_envelopes(
        intake.topic, lambda es: bool(of_type(es, "intake.inquiry.received.v1"))
    )
    (received,) = of_type([e for _, e in found], "intake.inquiry.received.v1")
    return str((await vault_for_tests(database).unseal(received)).data["case_link_token"])


def exports_at(intake: Intake, database: Any, at: datetime) -> person_export.Exports:
    """The export's use cases on the service's store, judging by the moment ``at``."""
    ctx = Context(
        store=IntakeStore(database, intake.topic),
        link_secret="unused-here",
        link_days=90,
        notify=lambda: None,  # the running service's relay publishes the outbox
        vault=vault_for_tests(database),
        now=lambda: at,
    )
    return person_export.Exports(ctx, timedelta(seconds=60), timedelta(hours=24))


async def answer(
    database: Any, export_id: str, person_id: str, part: dict[str, Any], at: datetime
) -> Envelope:
    """scheduling's answer as scheduling publishes it: the part sealed with the person's key."""
    event = scheduling_events.SchedulingExportAnswered(
        export_id=export_id, person_id=person_id, answered_at=at, part=json.dumps(part)
    )
    plain = event.to_envelope(source=scheduling_events.SOURCE, subject=person_id)
    return await vault_for_tests(database).seal(
        plain, scheduling_events.SchedulingExportAnswered, person_id
    )


async def publish(topic: str, envelopes: list[Envelope]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka_servers(), acks="all")
    await producer.start()
    try:
        for envelope in envelopes:
            headers = [(k, v.encode()) for k, v in envelope.headers().items()]
            await producer.send_and_wait(
                topic, envelope.value(), key=envelope.key(), headers=headers
            )
    finally:
        await producer.stop()


async def test_a_part_twice_changes_nothing_and_the_time_up_names_the_missing_part(
    intake: Intake, database: Any
) -> None:
    assert (await intake.client.post("/v1/inquiries", json=inquiry(1))).status_code == 201
    token = await link_token(intake, database)
    asked = await intake.client.post(f"/v1/me/{token}/exports")
    assert asked.status_code == 202, asked.text
    export_id = asked.json()["export_id"]
    again = await intake.client.post(f"/v1/me/{token}/exports")  # pressed twice: the same one
    assert again.json()["export_id"] == export_id
    stored = await database["exports"].find_one({"_id": export_id})
    person_id, requested = stored["person_id"], stored["requested_at"]
    found = await read_envelopes(
        intake.topic, lambda es: bool(of_type(es, "intake.person.export_requested.v1"))
    )
    (request,) = of_type([e for _, e in found], "intake.person.export_requested.v1")
    assert request.data == {
        "export_id": export_id,
        "person_id": person_id,
        "requested_at": request.data["requested_at"],
    }

    # the first part, the same again, then another with other content: the first stays.
    # A later export's part follows on the same partition (same key): once it is in, the
    # running service has handled the three before it.
    first = await answer(database, export_id, person_id, {"meetings": ["m1"]}, requested)
    other = await answer(database, export_id, person_id, {"meetings": ["changed"]}, requested)
    later = await person_export.request(
        exports_at(intake, database, requested + timedelta(minutes=2)), person_id
    )
    marker = await answer(database, later["_id"], person_id, {"meetings": []}, requested)
    await publish(f"{intake.topic.removesuffix('intake')}scheduling", [first, first, other, marker])

    async def marker_in() -> bool:
        document = await database["exports"].find_one({"_id": later["_id"]})
        return "scheduling" in document["parts"]

    await eventually(marker_in, timeout=60, what="the later export's part")
    exports = exports_at(intake, database, requested + timedelta(seconds=30))
    # the handler itself, called again with the other content: nothing kept
    again_event = scheduling_events.SchedulingExportAnswered(
        export_id=export_id, person_id=person_id, answered_at=requested, part='{"x": 1}'
    )
    again_envelope = again_event.to_envelope(source=scheduling_events.SOURCE, subject=person_id)
    kept = await person_export.receive_part(exports, "scheduling", again_event, again_envelope)
    assert kept is False

    gathering = await person_export.view(exports, person_id, export_id)
    assert gathering["status"] == "gathering" and gathering["missing"] == ["notifications"]
    assert "parts" not in gathering

    late = exports_at(intake, database, requested + timedelta(seconds=61))
    shown = await person_export.view(late, person_id, export_id)
    assert shown["status"] == "incomplete" and shown["missing"] == ["notifications"]
    parts = {part["service"]: part for part in shown["parts"]}
    assert parts["scheduling"]["data"] == {"meetings": ["m1"]}  # the first delivery's
    assert parts["notifications"]["received"] is False and parts["notifications"]["data"] is None
    assert parts["intake"]["data"]["person"]["email"] == "kari1@example.no"
    assert parts["reporting"]["what"] and parts["reporting"]["why"]

    # kept for its time, then gone
    gone = exports_at(intake, database, requested + timedelta(hours=24, minutes=1))
    with pytest.raises(NotFound):
        await person_export.view(gone, person_id, export_id)
    assert await person_export.purge(gone) == 1  # the later one is not yet past its time
    assert await database["exports"].find_one({"_id": export_id}) is None
    # in the store the parts are sealed: the person's data is not there in plain
    remaining = await database["exports"].find_one({"_id": later["_id"]})
    assert "sealed" in remaining["parts"]["scheduling"]["part"]
