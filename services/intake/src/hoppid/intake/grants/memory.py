"""The catalogue in memory: the same methods and promises as ``GrantStore`` (an office's entries
by name, its first read seeding the clarification grant once and never over an entry the office
changed, one name per office whatever its case and spacing, an entry changed only within its
office and answered as it is after), for fast tests of the catalogue's use cases.
tests/contract/test_grant_repository.py runs the same cases on both."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from hoppid.intake.grants.model import SEED, name_key, seed_id
from hoppid.intake.grants.store import GrantRepository
from hoppid.intake.model import RuleViolation

Document = dict[str, Any]


class MemoryGrants:
    def __init__(self, offices: Iterable[str] = ()) -> None:
        self.offices = set(offices)  # the offices that exist (intake's ``offices``)
        self.entries: dict[str, Document] = {}

    async def office_exists(self, office_id: str) -> bool:
        return office_id in self.offices

    async def of_office(self, office_id: str, now: datetime) -> list[Document]:
        if not self._of(office_id):
            seeded = {**SEED, "office_id": office_id, "name_key": name_key(str(SEED["name"]))}
            entry = {"_id": seed_id(office_id), **seeded, "created_at": now, "changed_at": now}
            self.entries.setdefault(seed_id(office_id), entry)  # as $setOnInsert: never over one
        return [copy.deepcopy(e) for e in sorted(self._of(office_id), key=lambda e: e["name_key"])]

    async def add(self, entry: Document) -> None:
        stored = {**copy.deepcopy(entry), "name_key": name_key(entry["name"])}
        if entry["_id"] in self.entries or self._named(stored, entry["_id"]):
            raise RuleViolation("name", "the office has a programme of this name")
        self.entries[entry["_id"]] = stored

    async def change(self, office_id: str, programme_id: str, fields: Document) -> Document | None:
        entry = self.entries.get(programme_id)
        if entry is None or entry["office_id"] != office_id:
            return None
        changed = {**entry, **copy.deepcopy(fields)}
        if "name" in fields:
            changed["name_key"] = name_key(fields["name"])
        if self._named(changed, programme_id):
            raise RuleViolation("name", "the office has a programme of this name")
        self.entries[programme_id] = changed
        return copy.deepcopy(changed)

    def _of(self, office_id: str) -> list[Document]:
        return [e for e in self.entries.values() if e["office_id"] == office_id]

    def _named(self, entry: Document, but: str) -> bool:
        """Whether another entry of the office has the entry's name (the unique index)."""
        return any(
            e["name_key"] == entry["name_key"] and e["_id"] != but
            for e in self._of(entry["office_id"])
        )


def _keeps_to_the_protocol(store: MemoryGrants) -> GrantRepository:
    return store  # mypy: the memory repository has every method of the Protocol, typed alike
