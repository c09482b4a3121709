"""`make backup` / `make restore` (scripts/backup.sh) on a stack of the test's own (issue 16).

Back up, change the data (a new inquiry, an erasure), restore, and check: the store is as it was
in the backup, except that the person erased after it was taken is erased again (their vault key
destroyed, intake's copy scrubbed, a new erasure request on the way to the other services).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from side_stack_support import ROOT, SideStack, side_stack

from hoppid.intake.reerase import erased_on_topic
from hoppid.shared.clock import real_now
from hoppid.shared.kafka import KafkaSecurity
from hoppid.shared.links import sign_link
from hoppid.shared.mongo import make_mongo_client
from hoppid.shared.testing import (
    PLAIN_KAFKA,
    TEST_LINK_SECRET,
    ServiceProcess,
    eventually,
    public_inquiry,
)

BACKUP = ROOT / "scripts" / "backup.sh"
PREFIX = "backup-test."


def inquiry(name: str, email: str) -> dict[str, Any]:
    return public_inquiry(name=name, email=email, idea="A bakery in Åndalsnes")


def platform_env(stack: SideStack) -> dict[str, str]:
    return {
        "HOPPID_KAFKA_BOOTSTRAP_SERVERS": stack.kafka,
        **PLAIN_KAFKA,
        "HOPPID_MONGODB_URL": stack.mongodb_url,
        "HOPPID_TOPIC_PREFIX": PREFIX,
        "HOPPID_OUTBOX_RELAY_INTERVAL_SECONDS": "0.3",
        "HOPPID_LINK_SECRET": TEST_LINK_SECRET,
    }


@pytest.mark.integration
async def test_backup_then_restore_brings_the_store_back_and_erases_again(
    tmp_path: Path,
) -> None:
    async with side_stack() as stack:
        env = platform_env(stack)
        # scripts/backup.sh reads the platform's settings too (the store's address: the stack's)
        stack.env.update(HOPPID_TOPIC_PREFIX=PREFIX, HOPPID_LINK_SECRET=TEST_LINK_SECRET)
        mongo = make_mongo_client(stack.mongodb_url)
        intake_db, vault_db = mongo["backup-test_hoppid_intake"], mongo["backup-test_hoppid_vault"]
        intake = await ServiceProcess("intake", env).start()
        try:
            async with httpx.AsyncClient(base_url=intake.url, timeout=30) as client:

                async def send(name: str, email: str) -> None:
                    answer = await client.post("/v1/inquiries", json=inquiry(name, email))
                    assert answer.status_code == 201, answer.text

                await eventually(ready(client), timeout=120, what="intake ready")
                await send("Anna Backup", "anna@example.no")
                await send("Carl Backup", "carl@example.no")
                anna = await intake_db["people"].find_one({"email": "anna@example.no"})
                assert anna is not None and await vault_key(vault_db, anna["_id"])

                backup = tmp_path / "store.dump"
                await stack.run("backup", str(backup), command=BACKUP)
                assert backup.stat().st_size > 0

                # after the backup: a new person, and Anna erased
                await send("Bodil After", "bodil@example.no")
                token = sign_link(TEST_LINK_SECRET, anna["_id"], anna["link_epoch"], real_now(), 1)
                erased = await client.post(f"/v1/me/{token}/erasure")
                assert erased.status_code == 202, erased.text
                assert not await vault_key(vault_db, anna["_id"])
                await eventually(at_least(stack, anna["_id"], 1), timeout=60, what="erasure")
        finally:
            await intake.stop()  # services stop for a restore

        output = await stack.run("restore", str(backup), command=BACKUP)
        assert "1 erasure(s) recorded" in output and "1 person(s)" in output, output

        # as in the backup: Anna and Carl, not Bodil ...
        emails = {p["email"] async for p in intake_db["people"].find({})}
        assert "carl@example.no" in emails and "bodil@example.no" not in emails, emails
        assert await intake_db["cases"].count_documents({}) == 2
        # ... but Anna, erased after the backup was taken, is erased again
        again = await intake_db["people"].find_one({"_id": anna["_id"]})
        assert again is not None and again.get("erased_at"), "Anna is back, not erased again"
        assert again["email"] != "anna@example.no"
        assert not await vault_key(vault_db, anna["_id"])
        case = await intake_db["cases"].find_one({"person_id": anna["_id"]})
        assert case is not None and case["idea"] is None
        # and the other services hear of it again: intake publishes a new erasure request
        intake = await ServiceProcess("intake", env).start()
        try:
            await eventually(at_least(stack, anna["_id"], 2), timeout=60, what="erased again")
        finally:
            await intake.stop()
            await mongo.close()


def ready(client: httpx.AsyncClient) -> Any:
    async def probe() -> bool:
        return (await client.get("/readyz")).status_code == 200

    return probe


async def vault_key(vault: Any, person_id: str) -> bool:
    found = await vault["person_keys"].find_one({"_id": person_id})
    return bool(found and found.get("wrapped") and not found.get("destroyed_at"))


async def erasures_of(stack: SideStack, person_id: str) -> int:
    """How many erasure requests for the person intake's topic holds (read to its end)."""
    return (await erased_on_topic(stack.kafka, f"{PREFIX}hoppid.intake", KafkaSecurity())).count(
        person_id
    )


def at_least(stack: SideStack, person_id: str, count: int) -> Any:
    async def probe() -> bool:
        return await erasures_of(stack, person_id) >= count

    return probe
