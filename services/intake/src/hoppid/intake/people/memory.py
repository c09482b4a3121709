"""The people's repository in memory: the same methods and promises as ``IntakeStore``'s for
people (one person per email, a change made only while ``expect`` holds and answered as the
person is after it, its events written with it, an erasure that frees the email and moves the
link epoch on), for fast tests of the people use cases. It stands on the cases' in-memory
repository, since an erasure scrubs the person's cases and a correction re-keys them.
tests/contract/test_person_repository.py runs the same cases on both."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from hoppid.intake.cases.memory import MemoryCases
from hoppid.intake.cases.store import CaseRepository
from hoppid.intake.people.store import PersonRepository
from hoppid.shared.envelope import Envelope

Document = dict[str, Any]


class MemoryPeople(MemoryCases):
    async def person_by_email(self, email: str) -> Document | None:
        found = next((p for p in self.people.values() if p.get("email") == email), None)
        return copy.deepcopy(found)

    async def insert_person(self, person: Document) -> bool:
        if await self.person_by_email(person["email"]) is not None:
            return False  # the store's unique index on email
        return await super().insert_person(person)

    async def set_person(
        self,
        person_id: str,
        fields: Mapping[str, Any],
        events: Iterable[Envelope] = (),
        expect: Mapping[str, Any] | None = None,
    ) -> Document | None:
        person = self.people.get(person_id)
        if person is None:
            return None
        if any(person.get(name) != value for name, value in (expect or {}).items()):
            return None
        for path, value in fields.items():
            _set(person, path, copy.deepcopy(value))
        self.events += list(events)
        return copy.deepcopy(person)

    async def withdraw_consent(
        self, person_id: str, consent: str, events: Iterable[Envelope]
    ) -> Document | None:
        return await self.set_person(person_id, {f"consents.{consent}": False}, events)

    async def erase_person(
        self, person_id: str, at: datetime, events: Iterable[Envelope]
    ) -> Document | None:
        person = self.people.get(person_id)
        if person is None:
            return None
        epoch = {"link_epoch": person.get("link_epoch", 0) + 1}
        erased = {"name": None, "email": f"erased:{person_id}", "phone": None}
        return await self.set_person(
            person_id, {**erased, "erased_at": at, "consents": {}, **epoch}, events
        )

    async def cases_of_person(self, person_id: str) -> list[Document]:
        found = [c for c in self.cases.values() if c.get("person_id") == person_id]
        return copy.deepcopy(sorted(found, key=lambda c: c["created_at"]))

    async def set_search_keys(self, person_id: str, keys: list[str]) -> None:
        for case in self.cases.values():
            if case.get("person_id") == person_id:
                case["search_keys"] = list(keys)


def _set(document: Document, path: str, value: Any) -> None:
    """``$set`` of one field, a dotted path setting a field within the named ones."""
    *within, name = path.split(".")
    for part in within:
        document = document.setdefault(part, {})
    document[name] = value


def _keeps_to_the_protocols(store: MemoryPeople) -> tuple[PersonRepository, CaseRepository]:
    return store, store  # mypy: every method of both Protocols, typed alike
