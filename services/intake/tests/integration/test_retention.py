"""intake's retention pass, called with the moment it judges by, against the running service's
store and topic: a person whose cases are all past their period is erased by the erasure path
(key destroyed, cases scrubbed to what counts, erasure.requested on the topic, link dead); one
with a case still in its period is kept; old submission claims go."""

from datetime import timedelta
from typing import Any

from intake_support import Intake, inquiry

from hoppid.intake import retention
from hoppid.intake.context import Context
from hoppid.intake.store import IntakeStore
from hoppid.shared.testing import of_type, read_envelopes, vault_for_tests

PERIODS = retention.Periods(
    closed_case=timedelta(days=1095), inactive_case=timedelta(days=730), claims=timedelta(days=30)
)


def context(intake: Intake, database: Any) -> Context:
    return Context(
        store=IntakeStore(database, intake.topic),
        link_secret="unused-here",
        link_days=90,
        notify=lambda: None,  # the running service's relay publishes the outbox
        vault=vault_for_tests(database),
    )


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_the_pass_erases_only_people_all_of_whose_cases_are_past(
    intake: Intake, database: Any
) -> None:
    for n in (1, 2):
        sent = await intake.client.post("/v1/inquiries", json=inquiry(n))
        assert sent.status_code == 201, sent.text
    closed = await database["cases"].find_one(
        {"person_id": {"$ne": None}, "idea": {"$regex": "plan 1"}}
    )
    key = await intake.key("nordveggen")
    moved = await intake.client.post(
        f"/v1/cases/{closed['_id']}/status",
        json={"status": "closed", "reason": "done"},
        headers=bearer(key),
    )
    assert moved.status_code == 200, moved.text
    kari1 = (await database["cases"].find_one({"_id": closed["_id"]}))["updated_at"]
    kari2 = (await database["cases"].find_one({"idea": {"$regex": "plan 2"}}))["updated_at"]
    ctx = context(intake, database)

    # the closed case: three years; the open one: two. Just before either, nothing goes.
    early = await retention.one_pass(ctx, PERIODS, kari2 + timedelta(days=729))
    assert early == {"people_erased": 0, "claims_deleted": 2}  # each inquiry's claims
    assert await database["people"].count_documents({"erased_at": None}) == 2
    two_years = await retention.one_pass(ctx, PERIODS, kari2 + timedelta(days=731))
    assert two_years["people_erased"] == 1  # the open case untouched for two years
    kept = await database["people"].find_one({"email": "kari1@example.no"})
    assert kept is not None and kept["name"] == "Kari Nordmann"  # closed: three years
    three_years = await retention.one_pass(ctx, PERIODS, kari1 + timedelta(days=1096))
    assert three_years == {"people_erased": 1, "claims_deleted": 0}
    again = await retention.one_pass(ctx, PERIODS, kari1 + timedelta(days=2000))
    assert again == {"people_erased": 0, "claims_deleted": 0}  # nothing twice

    async for person in database["people"].find({}):
        assert person["erased_at"] is not None and person["name"] is None
        assert "kari" not in person["email"]
    async for case in database["cases"].find({}):
        assert case["idea"] is None and case["erased_at"] is not None
        assert case["office_id"] == "nordveggen" and case["status"]  # what counts stays
    keys = [key async for key in database["person_keys"].find({})]
    assert len(keys) == 2 and all(key.get("destroyed_at") for key in keys)
    found = await read_envelopes(
        intake.topic, lambda es: len(of_type(es, "intake.erasure.completed.v1")) == 2
    )
    assert len(of_type([e for _, e in found], "intake.erasure.requested.v1")) == 2
