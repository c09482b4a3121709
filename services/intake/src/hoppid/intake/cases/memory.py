"""The cases' repository in memory: the same methods and promises as ``IntakeStore``'s for
cases (a case read and changed only within its office, a change made only while ``expect``
holds and returned as it is after, its events written with it), for fast tests of the case
use cases. tests/contract/test_case_repository.py runs the same cases on both."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from hoppid.intake.cases.store import CaseChange, CaseRepository
from hoppid.intake.store import month_of
from hoppid.shared.envelope import Envelope

Document = dict[str, Any]


class MemoryCases:
    def __init__(self) -> None:
        self.cases: dict[str, Document] = {}
        self.people: dict[str, Document] = {}
        self.events: list[Envelope] = []  # every event written with its change, in order

    async def insert_person(self, person: Document) -> bool:
        if person["_id"] in self.people:
            return False
        self.people[person["_id"]] = copy.deepcopy(person)
        return True

    async def insert_case(self, case: Document, events: Iterable[Envelope] = ()) -> bool:
        """The case as an inquiry writes it, with its month; False if it exists already."""
        if case["_id"] in self.cases:
            return False
        self.cases[case["_id"]] = {
            **copy.deepcopy(case),
            "created_month": month_of(case["created_at"]),
        }
        self.events += list(events)
        return True

    async def case(self, office_id: str, case_id: str) -> Document | None:
        found = self.cases.get(case_id)
        return copy.deepcopy(found) if found and found["office_id"] == office_id else None

    async def case_by_reference(self, office_id: str, reference: str) -> Document | None:
        for case in self._of(office_id):
            if case["reference"] == reference:
                return _listed(case)
        return None

    async def search_cases(self, office_id: str, key: str, limit: int) -> list[Document]:
        found = [c for c in self._of(office_id) if key in c.get("search_keys", ())]
        return [_listed(c) for c in _newest_first(found)[:limit]]

    async def find_cases(
        self,
        office_id: str,
        filters: Mapping[str, Any],
        limit: int,
        offset: int,
        *,
        newest: datetime,
        oldest: datetime | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Document]:
        def matches(case: Document) -> bool:
            at = case["created_at"]
            if (since and at < since) or (until and at >= until):
                return False
            return all(_holds(case.get(name), value) for name, value in filters.items())

        found = _newest_first([c for c in self._of(office_id) if matches(c)])
        return [_listed(c) for c in found[offset : offset + limit]]

    async def person(self, person_id: str) -> Document | None:
        return copy.deepcopy(self.people.get(person_id))

    async def change_case(
        self,
        office_id: str,
        case_id: str,
        change: CaseChange,
        events: Iterable[Envelope],
        expect: Mapping[str, Any] | None = None,
    ) -> Document | None:
        case = self.cases.get(case_id)
        if case is None or case["office_id"] != office_id:
            return None
        if any(case.get(name) != value for name, value in (expect or {}).items()):
            return None
        case.update(copy.deepcopy(dict(change.fields)))
        for name, entry in change.appended.items():
            case.setdefault(name, []).append(copy.deepcopy(entry))
        self.events += list(events)
        return copy.deepcopy(case)

    def _of(self, office_id: str) -> list[Document]:
        return [c for c in self.cases.values() if c["office_id"] == office_id]


def _listed(case: Document) -> Document:
    """A case as the lists and the search read it: without its notes."""
    return copy.deepcopy({k: v for k, v in case.items() if k != "notes"})


def _holds(stored: Any, wanted: Any) -> bool:
    """A filter's equality as the store reads it: a list field holds the value among its own."""
    return wanted in stored if isinstance(stored, list) else stored == wanted


def _newest_first(cases: list[Document]) -> list[Document]:
    return sorted(cases, key=lambda c: c["created_at"], reverse=True)


def _keeps_to_the_protocol(store: MemoryCases) -> CaseRepository:
    return store  # mypy: the memory repository has every method of the Protocol, typed alike
