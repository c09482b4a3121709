"""The audit log in a database of its own (``HOPPID_INTAKE_AUDIT_DATABASE``), against the
running service and the store: entries go there and nowhere in intake's database; the retention
pass's erasure is an entry of its own and leaves the others; the log's own retention deletes
only entries past its period (judged by the moments given, never the wall clock)."""

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from intake_support import Intake, inquiry, running_intake

from hoppid.intake import retention
from hoppid.intake.audit import retention as audit_retention
from hoppid.intake.audit.store import AUDIT
from hoppid.intake.context import Context
from hoppid.intake.store import IntakeStore
from hoppid.shared.testing import vault_for_tests

PERIODS = retention.Periods(
    closed_case=timedelta(days=1095), inactive_case=timedelta(days=730), claims=timedelta(days=30)
)
FIVE_YEARS = timedelta(days=1826)


@pytest.fixture
async def apart(topic_prefix: str, unique: str, database: Any) -> AsyncIterator[Intake]:
    """intake whose audit log is in the database ``<test db>_audit`` (dropped after)."""
    audit_database = f"{database.name}_audit"
    env = {"HOPPID_INTAKE_AUDIT_DATABASE": audit_database}
    try:
        async with running_intake(topic_prefix, unique, database, **env) as intake:
            yield intake
    finally:
        await database.client.drop_database(audit_database)


async def test_the_log_is_kept_apart_and_outlives_the_erasure(apart: Intake, database: Any) -> None:
    trail = database.client[f"{database.name}_audit"][AUDIT]
    sent = await apart.client.post("/v1/inquiries", json=inquiry(1))
    assert sent.status_code == 201, sent.text
    case = await database["cases"].find_one({})
    key = await apart.key("nordveggen")
    read = await apart.client.get(
        f"/v1/cases/{case['_id']}", headers={"Authorization": f"Bearer {key}"}
    )
    assert read.status_code == 200
    assert [e["action"] for e in await trail.find({}).to_list()] == ["read"]
    assert await database[AUDIT].count_documents({}) == 0  # nothing in intake's own
    indexes = {tuple(k for k, _ in i["key"]) for i in (await trail.index_information()).values()}
    assert ("office_id", "at") in indexes and ("at",) in indexes  # made where it is

    ctx = Context(
        store=IntakeStore(database, apart.topic),
        link_secret="unused-here",
        link_days=90,
        notify=lambda: None,  # the running service's relay publishes the outbox
        vault=vault_for_tests(database),
        audit_database=f"{database.name}_audit",
    )
    late = case["updated_at"] + timedelta(days=731)  # the open case past its two years
    ctx.now = lambda: late
    assert (await retention.one_pass(ctx, PERIODS, late))["people_erased"] == 1
    entries = await trail.find({}).sort("at", 1).to_list()
    assert [e["action"] for e in entries] == ["read", "erasure"]
    assert entries[1]["actor"] == {"kind": "system", "id": "retention", "name": "retention pass"}
    assert entries[1]["channel"] == "system" and entries[1]["at"] == late
    assert entries[1]["case_references"] == [case["reference"]]

    # the log's own period: five years from each entry
    read_at = entries[0]["at"]
    kept = await audit_retention.one_pass(ctx, FIVE_YEARS, read_at + FIVE_YEARS)
    assert kept == {"audit_entries_deleted": 0}
    gone = await audit_retention.one_pass(ctx, FIVE_YEARS, read_at + FIVE_YEARS + timedelta(1))
    assert gone == {"audit_entries_deleted": 1}
    assert [e["action"] for e in await trail.find({}).to_list()] == ["erasure"]
