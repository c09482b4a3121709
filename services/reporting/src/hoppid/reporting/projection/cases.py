"""A case's contributions, pure Python: what its facts (opening, status steps, company) add.

The projection records a case's facts as its events arrive, in any order, and derives from all of
them every contribution they now make (handlers._case_facts); retention derives them again to
know which claims and ledger entries a dropped case held.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hoppid.reporting.model import FUNNEL, Cell, Contribution, Derived, Distinct

STATUS_RANK = {"contacted": 1, "in_guidance": 2, "company_registered": 3}


def derive_case(case_id: str, facts: Mapping[str, Any]) -> list[Derived]:
    """Everything a case's facts contribute; grows as facts arrive, in any order."""
    opened, company = facts.get("opened"), facts.get("company")
    derived: list[Derived] = []
    if opened:
        derived += _opened(case_id, opened)
        derived += _funnel(case_id, opened, facts.get("reached", {}), company)
    if company:
        derived += _company(case_id, company)
    return derived


def _cell(fact: Mapping[str, Any]) -> Cell:
    return Cell(fact["office"], fact["municipality"], fact["month"])


def _opened(case_id: str, opened: Mapping[str, Any]) -> list[Derived]:
    cell, events = _cell(opened), (opened["event"],)
    inc = {"inquiries": 1, **{f"need_{need}": 1 for need in opened["needs"]}}
    inc[f"stage_{opened['stage']}"] = 1
    derived: list[Derived] = [
        Contribution(f"opened:{case_id}", cell, inc, events),
        Distinct(f"people:{case_id}", cell, ("people_served",), opened["person"], events),
    ]
    if opened["stage"] == "running":  # an enterprise already: supported, non-financially
        entity = f"p:{opened['person']}"
        derived.append(Distinct(f"enterprise:{case_id}", cell, ("rco01", "rco04"), entity, events))
    return derived


def _funnel(
    case_id: str,
    opened: Mapping[str, Any],
    reached: Mapping[str, str],
    company: Mapping[str, Any] | None,
) -> list[Derived]:
    """The case counts in every funnel stage up to the furthest it reached (cohort: opening)."""
    ranks = {STATUS_RANK[status]: event for status, event in reached.items()}
    if company:
        ranks.setdefault(3, company["event"])
    if not ranks:
        return []
    furthest = max(ranks)
    source = ranks[furthest]
    return [
        Contribution(
            f"funnel:{stage}:{case_id}",
            _cell(opened),
            {f"funnel_{stage}": 1},
            (opened["event"], ranks.get(rank, source)),
        )
        for rank, stage in enumerate(FUNNEL, start=1)
        if rank <= furthest
    ]


def _company(case_id: str, company: Mapping[str, Any]) -> list[Derived]:
    cell, events = _cell(company), (company["event"],)
    inc = {"companies_registered": 1, "companies_within_12_months": int(company["within_12"])}
    return [
        Contribution(f"company:{case_id}", cell, inc, events),
        Distinct(
            f"new_enterprise:{case_id}",
            cell,
            ("rco01", "rco04", "rco05"),
            f"org:{company['org']}",
            events,
        ),
    ]
