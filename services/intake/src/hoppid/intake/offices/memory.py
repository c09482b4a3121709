"""The offices' repository in memory: the same methods and promises as ``IntakeStore``'s for
offices and API keys (an office's fields set or inserted, listed by id; a key revoked once and
only within its office; events written only with a change), for fast tests of the office use
cases. tests/contract/test_office_repository.py runs the same cases on both."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from hoppid.intake.offices.store import OfficeRepository
from hoppid.shared.envelope import Envelope

Document = dict[str, Any]


class MemoryOffices:
    def __init__(self) -> None:
        self.offices_by_id: dict[str, Document] = {}
        self.keys: dict[str, Document] = {}
        self.events: list[Envelope] = []  # every event written with its change, in order

    async def office(self, office_id: str) -> Document | None:
        return copy.deepcopy(self.offices_by_id.get(office_id))

    async def offices(self) -> list[Document]:
        return [copy.deepcopy(self.offices_by_id[i]) for i in sorted(self.offices_by_id)]

    async def save_office(self, office: Document, events: Iterable[Envelope]) -> None:
        stored = self.offices_by_id.setdefault(office["_id"], {"_id": office["_id"]})
        stored.update(copy.deepcopy(office))  # as $set: fields not named are kept
        self.events += list(events)

    async def add_key(self, key: Document, events: Iterable[Envelope]) -> None:
        if key["_id"] in self.keys:
            raise ValueError(f"key {key['_id']} exists already")  # the store: a duplicate key
        self.keys[key["_id"]] = copy.deepcopy(key)
        self.events += list(events)

    async def revoke_key(
        self, office_id: str, key_id: str, at: datetime, events: Iterable[Envelope]
    ) -> bool:
        key = self.keys.get(key_id)
        if key is None or key["office_id"] != office_id or key.get("revoked_at") is not None:
            return False
        key["revoked_at"] = at
        self.events += list(events)
        return True


def _keeps_to_the_protocol(store: MemoryOffices) -> OfficeRepository:
    return store  # mypy: the memory repository has every method of the Protocol, typed alike
