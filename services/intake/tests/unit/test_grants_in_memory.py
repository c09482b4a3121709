"""The catalogue's use cases on the in-memory catalogue (grants.memory): staff read only their
office's catalogue, only its admin changes it, an unknown office or entry is NotFound, the
seeded entry comes first, and an application is recorded only against an active entry of the
office within its maximum. No stack."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hoppid.intake.grants import use_cases
from hoppid.intake.grants.forms import ProgrammeForm
from hoppid.intake.grants.memory import MemoryGrants
from hoppid.intake.grants.model import seed_id
from hoppid.intake.grants.use_cases import Grants
from hoppid.intake.model import RuleViolation
from hoppid.shared.access import ALL_OFFICES, Staff
from hoppid.shared.problems import NotFound

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ADMIN = Staff(key_id="k-admin", office_id="nordveggen", role="office_admin")
KARI = Staff(key_id="k-kari", office_id="nordveggen", role="advisor")
MOLDE_ADMIN = Staff(key_id="k-molde", office_id="molde", role="office_admin")
COUNTY = Staff(key_id="k-county", office_id=ALL_OFFICES, role="county")
SEEDED = seed_id("nordveggen")
IN = ProgrammeForm(name="Etablerertilskudd", granted_by="Innovasjon Norge", max_amount_nok=500)


@pytest.fixture
def grants() -> Grants:
    return Grants(MemoryGrants(["nordveggen", "molde"]), lambda: NOW)


async def test_staff_read_only_their_office_s_catalogue(grants: Grants) -> None:
    [seeded] = await use_cases.programmes(grants, KARI, "nordveggen")
    assert (seeded["_id"], seeded["created_at"]) == (SEEDED, NOW)
    assert [e["_id"] for e in await use_cases.programmes(grants, COUNTY, "nordveggen")] == [SEEDED]
    with pytest.raises(PermissionError):
        await use_cases.programmes(grants, KARI, "molde")
    with pytest.raises(NotFound):
        await use_cases.programmes(grants, COUNTY, "nowhere")


async def test_only_the_office_s_admin_adds_and_the_seeded_entry_comes_first(
    grants: Grants,
) -> None:
    with pytest.raises(PermissionError):
        await use_cases.add_programme(grants, KARI, "nordveggen", IN)
    with pytest.raises(PermissionError):
        await use_cases.add_programme(grants, MOLDE_ADMIN, "nordveggen", IN)
    added = await use_cases.add_programme(grants, ADMIN, "nordveggen", IN)
    assert (added["name"], added["max_amount_nok"], added["changed_at"]) == (IN.name, 500, NOW)
    listed = await use_cases.programmes(grants, KARI, "nordveggen")
    assert [e["_id"] for e in listed] == [SEEDED, added["_id"]]
    with pytest.raises(RuleViolation) as refused:
        await use_cases.add_programme(grants, ADMIN, "nordveggen", IN)  # the same name again
    assert refused.value.field == "name"


async def test_an_entry_is_changed_by_the_admin_and_an_unknown_one_is_not_found(
    grants: Grants,
) -> None:
    added = await use_cases.add_programme(grants, ADMIN, "nordveggen", IN)
    more = IN.model_copy(update={"max_amount_nok": 900})
    with pytest.raises(PermissionError):
        await use_cases.change_programme(grants, KARI, "nordveggen", added["_id"], more)
    changed = await use_cases.change_programme(grants, ADMIN, "nordveggen", added["_id"], more)
    assert changed["max_amount_nok"] == 900
    with pytest.raises(NotFound):
        await use_cases.change_programme(grants, ADMIN, "nordveggen", "no-such", more)
    with pytest.raises(NotFound):  # another office's entry is not found in this one
        await use_cases.programme(grants, MOLDE_ADMIN, "molde", added["_id"])


async def test_the_seeded_entry_is_there_before_the_catalogue_is_read(grants: Grants) -> None:
    found = await use_cases.programme(grants, KARI, "nordveggen", SEEDED)
    assert found["max_amount_nok"] == 30_000
    entry = await use_cases.for_application(grants, "nordveggen", SEEDED, 30_000)
    assert entry["_id"] == SEEDED


async def test_an_application_needs_an_active_entry_of_the_office_within_its_maximum(
    grants: Grants,
) -> None:
    with pytest.raises(RuleViolation) as refused:
        await use_cases.for_application(grants, "nordveggen", SEEDED, 30_001)
    assert refused.value.field == "amount_asked_nok"
    with pytest.raises(RuleViolation) as refused:
        await use_cases.for_application(grants, "molde", SEEDED, 1)
    assert refused.value.field == "programme_id"
    await use_cases.set_active(grants, ADMIN, "nordveggen", SEEDED, False)
    assert await use_cases.active_programmes(grants, "nordveggen") == []
    with pytest.raises(RuleViolation) as refused:
        await use_cases.for_application(grants, "nordveggen", SEEDED, 1)
    assert refused.value.field == "programme_id"
    await use_cases.set_active(grants, ADMIN, "nordveggen", SEEDED, True)
    assert [e["_id"] for e in await use_cases.active_programmes(grants, "nordveggen")] == [SEEDED]
