"""scheduling's part of a person's export, through the running service (intake's
``person.export_requested`` on its topic): their meeting, their seat and waitlist place (never
another participant) and their desk booking, sealed with the person's key on scheduling's
topic; a request delivered twice is answered once."""

import json
import uuid
from typing import Any

import pytest
from scheduling_support import Scheduling
from test_erasure import ERASED, OTHER, WAITING, places_of_the_erased

from hoppid.contracts import intake as intake_events
from hoppid.shared.clock import real_now
from hoppid.shared.testing import eventually, of_type, read_envelopes, vault_for_tests

# the places are made on working days in Oslo, as test_erasure's: scripts/time_of_day.sh
pytestmark = pytest.mark.time_of_day

ANSWERED = "scheduling.person_export.answered.v1"


def requested(person_id: str) -> intake_events.PersonExportRequested:
    return intake_events.PersonExportRequested(
        export_id=str(uuid.uuid4()), person_id=person_id, requested_at=real_now()
    )


async def test_the_part_holds_the_person_s_places_only_sealed_and_once(
    scheduling: Scheduling, database: Any
) -> None:
    key = await scheduling.key()
    places = await places_of_the_erased(scheduling, key)  # ERASED's, not erased here
    first, later = requested(ERASED), requested(ERASED)
    await scheduling.publish(first, ERASED, office="")
    await scheduling.publish(first, ERASED, office="")  # redelivered: a new record, same data
    await scheduling.publish(later, ERASED, office="")  # same key: handled after both

    def later_answered(envelopes: list[Any]) -> bool:
        return any(e.data["export_id"] == later.export_id for e in of_type(envelopes, ANSWERED))

    found = await read_envelopes(scheduling.topic, later_answered, timeout=60)
    answers = of_type([e for _, e in found], ANSWERED)
    assert [e.data["export_id"] for e in answers].count(first.export_id) == 1
    (answer,) = [e for e in answers if e.data["export_id"] == first.export_id]
    assert "sealed" in answer.data["part"]
    raw = next(record for record, e in found if e.id == answer.id)
    assert places["meeting"]["id"].encode() not in raw.value  # nothing in plain

    opened = await vault_for_tests(database).unseal(answer)
    part = json.loads(opened.data["part"])
    assert [m["id"] for m in part["meetings"]] == [places["meeting"]["id"]]
    programmes = {p["id"]: p for p in part["programmes"]}
    assert len(programmes[places["seated"]]["seated"]) == 1
    assert programmes[places["waits"]]["seated"] == []
    assert len(programmes[places["waits"]]["waiting"]) == 1
    assert [b["id"] for b in part["desk_bookings"]] == [places["seat"]]
    text = json.dumps(part)
    assert OTHER not in text and WAITING not in text  # nobody else's place

    async def one_answer_stored() -> bool:
        return await database["person_exports"].count_documents({"person_id": ERASED}) == 2

    await eventually(one_answer_stored, what="one answer per export in person_exports")
