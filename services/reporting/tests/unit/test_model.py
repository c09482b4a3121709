"""reporting's rules without I/O: contributions, levels, periods, budgets, CSV, keys."""

from datetime import UTC, date, datetime
from itertools import permutations

import pytest

from hoppid.reporting import access
from hoppid.reporting.figures import csvout
from hoppid.reporting.figures.model import Period, months_between, yearly_budget
from hoppid.reporting.model import (
    Cell,
    Contribution,
    Distinct,
    RuleViolation,
    level_keys,
    oslo_month,
    within_12_months,
)
from hoppid.reporting.projection.cases import derive_case
from hoppid.shared.access import ALL_OFFICES, Staff
from hoppid.shared.problems import FieldProblem

OPENED = {
    "office": "nordveggen",
    "municipality": "1539",
    "month": "2026-03",
    "stage": "running",
    "needs": ["course", "guidance"],
    "person": "p1",
    "event": "e-open",
}
COMPANY = {
    "office": "nordveggen",
    "municipality": "1539",
    "month": "2026-09",
    "within_12": True,
    "org": "o1",
    "event": "e-company",
}


def ids(facts: dict[str, object]) -> set[str]:
    return {item.id for item in derive_case("c1", facts)}


def test_a_case_contributes_the_same_whatever_order_its_facts_came_in() -> None:
    facts = [
        {"opened": OPENED},
        {"company": COMPANY},
        {"reached": {"contacted": "e-contacted"}},
    ]
    results = []
    for order in permutations(facts):
        merged: dict[str, object] = {}
        for fact in order:
            merged.update(fact)
        results.append(derive_case("c1", merged))
    assert all(result == results[0] for result in results)
    assert {item.id for item in results[0]} == {
        "opened:c1",
        "people:c1",
        "enterprise:c1",
        "funnel:contacted:c1",
        "funnel:in_guidance:c1",
        "funnel:company:c1",
        "company:c1",
        "new_enterprise:c1",
    }


def test_company_before_case_opened_counts_the_company_and_waits_for_the_cohort() -> None:
    assert ids({"company": COMPANY}) == {"company:c1", "new_enterprise:c1"}
    opened = next(i for i in derive_case("c1", {"opened": OPENED}) if i.id == "opened:c1")
    assert isinstance(opened, Contribution)
    assert dict(opened.inc) == {
        "inquiries": 1,
        "need_course": 1,
        "need_guidance": 1,
        "stage_running": 1,
    }


def test_funnel_counts_every_stage_up_to_the_furthest() -> None:
    assert ids({"opened": OPENED, "reached": {"in_guidance": "e"}}) >= {
        "funnel:contacted:c1",
        "funnel:in_guidance:c1",
    }
    assert "funnel:company:c1" not in ids({"opened": OPENED, "reached": {"in_guidance": "e"}})


def test_people_and_enterprises_are_distinct_counts_without_ids_of_people() -> None:
    items = derive_case("c1", {"opened": OPENED})
    people = next(i for i in items if i.id == "people:c1")
    assert isinstance(people, Distinct) and people.metrics == ("people_served",)
    keys = level_keys(Cell("nordveggen", "1539", "2026-03"))
    assert len(keys) == 12
    assert keys[("c", "year")] == "county@2026"
    assert keys[("om", "month")] == "nordveggen/1539@2026-03"


def test_months_are_counted_in_oslo() -> None:
    # 23:30 UTC on 31 January is already February in Oslo
    assert oslo_month(datetime(2026, 1, 31, 23, 30, tzinfo=UTC)) == "2026-02"
    assert oslo_month(datetime(2026, 6, 30, 21, 59, tzinfo=UTC)) == "2026-06"


def test_within_12_months_of_first_contact() -> None:
    first = datetime(2025, 3, 10, 9, tzinfo=UTC)
    assert within_12_months(first, date(2026, 3, 10))
    assert not within_12_months(first, date(2026, 3, 11))
    assert within_12_months(datetime(2024, 2, 29, 9, tzinfo=UTC), date(2025, 2, 28))


def test_periods() -> None:
    assert Period.parse("2026").kind == "year"
    assert Period.parse("2026-11").cell_filter() == {"month": "2026-11"}
    assert Period.parse(None).kind == "all"
    for bad in ("2026-13", "26", "2026-1", "2026-11-01"):
        with pytest.raises(RuleViolation) as error:
            Period.parse(bad)
        assert error.value.field == "period"
        assert isinstance(error.value, FieldProblem)  # the shared 422 problem naming it
    assert months_between("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]


def test_the_budget_of_a_year_is_the_last_change_before_it_ended() -> None:
    changes = [
        {"at": datetime(2025, 12, 1, tzinfo=UTC), "eur": 32_000, "event": "a"},
        {"at": datetime(2026, 6, 1, tzinfo=UTC), "eur": 40_000, "event": "b"},
    ]
    assert yearly_budget(changes, 2025) == 32_000
    assert yearly_budget(changes, 2026) == 40_000
    assert yearly_budget(changes, 2024) == 32_000  # earliest known
    assert yearly_budget([], 2026) is None


def test_csv_has_a_bom_semicolons_and_norwegian_letters() -> None:
    text = csvout.render([{"municipality_name": "Ålesund", "rate": 0.25, "x": None}])
    assert text.startswith("\ufeff")
    assert text.splitlines()[1] == "Ålesund;0.25;"


def test_each_platform_role_reads_what_it_may() -> None:
    county = access.reader_of(Staff("k1", ALL_OFFICES, "county"))
    admin = access.reader_of(Staff("platform-admin", ALL_OFFICES, "platform_admin"))
    partner = access.reader_of(Staff("k2", ALL_OFFICES, "partner"))
    assert (county.role, admin.role, partner.role) == ("county", "county", "partner")
    assert county.office_filter("molde") == "molde" and county.may_drill_down
    assert partner.office_filter(None) is None and not partner.may_drill_down
    for role in ("advisor", "office_admin"):
        office = access.reader_of(Staff("k3", "molde", role))  # type: ignore[arg-type]
        assert (office.role, office.office_filter(None), office.may_drill_down) == (
            "office",
            "molde",
            True,
        )
        with pytest.raises(PermissionError):
            office.office_filter("alesund")
