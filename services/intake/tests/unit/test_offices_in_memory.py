"""The office use cases on the in-memory repository (offices.memory): the packaged offices seeded
without writing over an admin's change, only the platform admin adds an office and only its own
admin changes it, a municipality is served by one office, keys issued and revoked by who may,
each change with its event and a wake of the relay. No stack."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest

from hoppid.contracts import intake as ev
from hoppid.intake.context import Context
from hoppid.intake.model import RuleViolation
from hoppid.intake.offices import use_cases
from hoppid.intake.offices.forms import OfficeForm
from hoppid.intake.offices.memory import MemoryOffices
from hoppid.shared.access import ALL_OFFICES, Staff, hash_key
from hoppid.shared.problems import Conflict, NotFound
from hoppid.shared.tenancy import Office, OfficeRegistry, load_municipalities

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PLATFORM = Staff(key_id="k-platform", office_id=ALL_OFFICES, role="platform_admin")
RAUMA_ADMIN = Staff(key_id="k-rauma", office_id="rauma", role="office_admin")
RAUMA_ADVISOR = Staff(key_id="k-kari", office_id="rauma", role="advisor")
MOLDE_ADMIN = Staff(key_id="k-molde", office_id="molde", role="office_admin")


def form(name: str, *municipalities: str) -> OfficeForm:
    return OfficeForm(
        name=name,
        municipalities=list(municipalities),
        languages=["nb"],
        contact_email="post@example.no",
    )


class Wakes:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


def context(memory: MemoryOffices, wakes: Wakes) -> Context:
    return Context(
        store=cast(Any, memory),  # the office use cases read only their repository's methods
        link_secret="s" * 32,
        link_days=30,
        notify=wakes,
        vault=cast(Any, None),
        now=lambda: NOW,
    )


@pytest.fixture
async def offices() -> MemoryOffices:
    memory = MemoryOffices()
    ctx = context(memory, Wakes())
    await use_cases.save_office(ctx, PLATFORM, "rauma", form("Rauma", "1539"), new=True)
    await use_cases.save_office(ctx, PLATFORM, "molde", form("Molde", "1506"), new=True)
    memory.events.clear()
    return memory


async def test_the_packaged_offices_are_seeded_and_a_changed_one_kept(
    offices: MemoryOffices,
) -> None:
    wakes = Wakes()
    ctx = context(offices, wakes)
    await use_cases.save_office(ctx, RAUMA_ADMIN, "rauma", form("Rauma næring", "1539"), new=False)
    packaged = [
        Office(id="rauma", name="Rauma", municipalities=("1539",), contact_email="a@b.no"),
        Office(id="vestnes", name="Vestnes", municipalities=("1535",), contact_email="a@b.no"),
    ]
    await use_cases.seed_offices(ctx, OfficeRegistry(load_municipalities(), packaged))
    assert (await offices.office("rauma") or {})["name"] == "Rauma næring"  # the admin's
    vestnes = await offices.office("vestnes")
    assert vestnes is not None and vestnes["municipalities"] == ["1535"]
    assert [e.subject for e in offices.events] == ["rauma", "vestnes"]
    assert offices.events[1].type == ev.OfficeChanged.event_type
    assert wakes.count == 2


async def test_only_the_platform_admin_adds_an_office_and_only_once(
    offices: MemoryOffices,
) -> None:
    ctx = context(offices, Wakes())
    with pytest.raises(PermissionError):
        await use_cases.save_office(ctx, RAUMA_ADMIN, "vestnes", form("V", "1535"), new=True)
    with pytest.raises(Conflict):
        await use_cases.save_office(ctx, PLATFORM, "rauma", form("R", "1535"), new=True)
    added = await use_cases.save_office(ctx, PLATFORM, "vestnes", form("V", "1535"), new=True)
    assert added["_id"] == "vestnes" and await offices.office("vestnes") == added
    assert [e.subject for e in offices.events] == ["vestnes"]


async def test_an_office_is_changed_by_its_own_admin_and_serves_free_municipalities(
    offices: MemoryOffices,
) -> None:
    ctx = context(offices, Wakes())
    with pytest.raises(PermissionError):
        await use_cases.save_office(ctx, MOLDE_ADMIN, "rauma", form("R", "1539"), new=False)
    with pytest.raises(PermissionError):
        await use_cases.save_office(ctx, RAUMA_ADVISOR, "rauma", form("R", "1539"), new=False)
    with pytest.raises(NotFound):
        await use_cases.save_office(ctx, PLATFORM, "nowhere", form("N", "1535"), new=False)
    with pytest.raises(RuleViolation) as refused:
        await use_cases.save_office(ctx, RAUMA_ADMIN, "rauma", form("R", "1539", "1506"), new=False)
    assert refused.value.field == "municipalities"
    assert offices.events == []  # nothing written for the refused ones
    changed = await use_cases.save_office(
        ctx, RAUMA_ADMIN, "rauma", form("Rauma", "1539", "1535"), new=False
    )
    assert changed["municipalities"] == ["1539", "1535"]


async def test_a_key_is_issued_shown_once_and_revoked_once(offices: MemoryOffices) -> None:
    wakes = Wakes()
    ctx = context(offices, wakes)
    with pytest.raises(PermissionError):
        await use_cases.issue_key(ctx, RAUMA_ADVISOR, "rauma", "advisor", "Kari")
    with pytest.raises(NotFound):
        await use_cases.issue_key(ctx, PLATFORM, "nowhere", "advisor", "Kari")
    issued = await use_cases.issue_key(ctx, RAUMA_ADMIN, "rauma", "advisor", "Kari")
    stored = offices.keys[issued["key_id"]]
    assert stored["hash"] == hash_key(issued["key"]) and issued["key"] not in stored.values()
    assert (stored["office_id"], stored["created_by"], stored["revoked_at"]) == (
        "rauma",
        "k-rauma",
        None,
    )
    with pytest.raises(PermissionError):
        await use_cases.revoke_key(ctx, MOLDE_ADMIN, "rauma", issued["key_id"])
    await use_cases.revoke_key(ctx, RAUMA_ADMIN, "rauma", issued["key_id"])
    with pytest.raises(NotFound):
        await use_cases.revoke_key(ctx, RAUMA_ADMIN, "rauma", issued["key_id"])
    types = [e.type for e in offices.events]
    assert types == [ev.ApiKeyIssued.event_type, ev.ApiKeyRevoked.event_type]
    assert wakes.count == 2


async def test_county_and_partner_keys_come_only_from_the_platform_admin(
    offices: MemoryOffices,
) -> None:
    ctx = context(offices, Wakes())
    with pytest.raises(PermissionError):
        await use_cases.issue_key(ctx, RAUMA_ADMIN, ALL_OFFICES, "county", "Analyst")
    with pytest.raises(PermissionError):
        await use_cases.issue_key(ctx, PLATFORM, ALL_OFFICES, "advisor", "Not an office's")
    issued = await use_cases.issue_key(ctx, PLATFORM, ALL_OFFICES, "county", "Analyst")
    assert issued["office_id"] == ALL_OFFICES
    assert offices.events[0].office == ""  # a platform key's event names no office
