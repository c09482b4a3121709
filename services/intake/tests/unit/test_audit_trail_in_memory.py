"""The audit trail on the in-memory repositories (audit.memory, staff_names.memory): a staff
member's read and search written with who they are by the name they have now, ids and
references only, never the query; the office's page read back through the trail; the daily
pass purging by its time. No stack: what the store itself keeps is the contract tests'."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from hoppid.intake.audit import retention, trail
from hoppid.intake.audit.memory import MemoryAudit
from hoppid.intake.cases.memory import MemoryCases
from hoppid.intake.context import Context
from hoppid.intake.staff_names.memory import MemoryStaffNames
from hoppid.shared.access import PLATFORM_ADMIN_ID, Staff

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
KARI = Staff(key_id="account:sub-kari", office_id="nordveggen", role="advisor")
KEY = Staff(key_id="k-rauma", office_id="nordveggen", role="advisor")
ADMIN = Staff(key_id=PLATFORM_ADMIN_ID, office_id="*", role="platform_admin")
CASE = {"_id": "case-1", "reference": "HOP-7KX2-9QPM", "person_id": "person-1"}


def context(audit: MemoryAudit, now: datetime = NOW) -> Context:
    names = MemoryStaffNames()
    names.add_account({"_id": "sub-kari", "office_id": "nordveggen", "name": "Kari Rådgiver"})
    names.add_key({"_id": "k-rauma", "office_id": "nordveggen", "label": "Rauma's key"})
    return Context(
        store=cast(Any, MemoryCases()),  # the trail's use here reads no case from the store
        link_secret="s" * 32,
        link_days=30,
        notify=lambda: None,
        vault=cast(Any, None),
        now=lambda: now,
        audit=audit,
        staff_names=names,
    )


async def test_a_read_names_the_account_and_holds_ids_only() -> None:
    audit = MemoryAudit()
    await trail.case_read(context(audit), KARI, CASE, "page", contact_details=True)
    [written] = audit.entries
    assert written["actor"] == {"kind": "account", "id": "sub-kari", "name": "Kari Rådgiver"}
    assert (written["at"], written["office_id"], written["action"]) == (NOW, "nordveggen", "read")
    assert (written["case_ids"], written["case_references"]) == (["case-1"], ["HOP-7KX2-9QPM"])
    assert written["person_ids"] == ["person-1"]
    assert written["details"] == {"contact_details": True}


async def test_a_key_by_its_label_the_platform_admin_by_role() -> None:
    audit = MemoryAudit()
    ctx = context(audit)
    await trail.case_read(ctx, KEY, CASE, "api", contact_details=False)
    await trail.staff_act(ctx, ADMIN, "export", "page", [CASE], reason="asked by phone")
    gone = Staff(key_id="account:sub-gone", office_id="nordveggen", role="advisor")
    await trail.case_read(ctx, gone, CASE, "page", contact_details=False)
    actors = [e["actor"] for e in audit.entries]
    assert actors == [
        {"kind": "key", "id": "k-rauma", "name": "Rauma's key"},
        {"kind": "platform_admin", "id": PLATFORM_ADMIN_ID, "name": "platform admin"},
        {"kind": "account", "id": "sub-gone", "name": None},  # removed since: no name
    ]
    assert audit.entries[1]["reason"] == "asked by phone"


async def test_a_search_keeps_what_kind_of_query_never_the_query() -> None:
    audit = MemoryAudit()
    await trail.searched(context(audit), KARI, "kari@example.no", [], "page")
    [written] = audit.entries
    assert written["details"] == {"by": "email"}
    assert written["case_ids"] == [] and "kari@example.no" not in repr(written)


async def test_the_office_page_and_the_purge_go_through_the_repository() -> None:
    audit = MemoryAudit()
    for minutes in (90, 60, 30):
        ctx = context(audit, NOW - timedelta(minutes=minutes))
        await trail.case_read(ctx, KARI, CASE, "page", contact_details=True)
    ctx = context(audit)
    newest = await trail.entries(ctx, "nordveggen", reference="HOP-7KX2-9QPM", limit=2)
    assert [e["at"] for e in newest] == [NOW - timedelta(minutes=m) for m in (30, 60)]
    assert await trail.entries(ctx, "molde") == []
    deleted = await retention.one_pass(ctx, timedelta(minutes=45), NOW)
    assert deleted == {"audit_entries_deleted": 2}
    assert len(await trail.entries(ctx, "nordveggen")) == 1
