"""The offices' repository in memory: the same methods and promises as ``OfficeStore`` (a seeded
office never overwritten, intake's view learned once per event, reads without the events
applied, changes returned as they are after), for fast tests of the use cases and handlers.
The contract test (services/scheduling/tests/contract/test_office_repository.py) runs the same
cases on both."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from hoppid.scheduling.offices.store import OfficeRepository
from hoppid.shared.inbox import APPLIED

Document = dict[str, Any]


def _read(office: Document | None) -> Document | None:
    """The office as the store's reads answer it: its own copy, without the events applied."""
    if office is None:
        return None
    return {k: copy.deepcopy(v) for k, v in office.items() if k != APPLIED}


class MemoryOffices:
    def __init__(self) -> None:
        # as kept on MongoDB: with the ids of the events applied to each (hoppid.shared.inbox)
        self.documents: dict[str, Document] = {}

    async def seed_office(self, office: Document) -> None:
        self.documents.setdefault(office["_id"], copy.deepcopy(office))

    async def learn_office(self, office_id: str, fields: Mapping[str, Any], event_id: str) -> bool:
        office = self.documents.setdefault(office_id, {"_id": office_id})
        if event_id in office.get(APPLIED, []):
            return False
        office.update(copy.deepcopy(dict(fields)))
        office.setdefault(APPLIED, []).append(event_id)
        return True

    async def office(self, office_id: str) -> Document | None:
        return _read(self.documents.get(office_id))

    async def offices(self) -> list[Document]:
        return [_read(self.documents[key]) or {} for key in sorted(self.documents)]

    async def set_office_settings(self, office_id: str, settings: Document) -> Document | None:
        office = self.documents.get(office_id)
        if office is not None:
            office["settings"] = copy.deepcopy(settings)
        return _read(office)

    async def set_office_feed(self, office_id: str, token_hash: str) -> bool:
        office = self.documents.get(office_id)
        if office is not None:
            office["feed_token_hash"] = token_hash
        return office is not None

    async def office_by_feed(self, token_hash: str) -> Document | None:
        # as OfficeStore's: the whole document (its applied events too; offices have no outbox)
        for office in self.documents.values():
            if office.get("feed_token_hash") == token_hash:
                return copy.deepcopy(office)
        return None


def _keeps_to_the_protocol(store: MemoryOffices) -> OfficeRepository:
    return store  # mypy: the memory store has every method of the repository, typed alike
