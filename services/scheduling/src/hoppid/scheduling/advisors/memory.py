"""The advisors' repository in memory: the same methods and promises as ``AdvisorStore`` (an
advisor read only within its office, changes returned as they are after, events written with
their change), for fast tests of the use cases. The contract test
(services/scheduling/tests/contract/test_advisor_repository.py) runs the same cases on both."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from hoppid.scheduling.advisors.store import AdvisorRepository
from hoppid.shared.envelope import Envelope

Document = dict[str, Any]


class MemoryAdvisorStore:
    def __init__(self) -> None:
        self.documents: dict[str, Document] = {}
        self.events: list[Envelope] = []  # every event written, in order (the outbox's)

    async def insert_advisor(self, advisor: Document, events: Iterable[Envelope] = ()) -> None:
        if advisor["_id"] in self.documents:
            raise KeyError(f"advisor {advisor['_id']} exists")
        self.documents[advisor["_id"]] = copy.deepcopy(advisor)
        self.events += list(events)

    async def advisor(self, office_id: str, advisor_id: str) -> Document | None:
        found = self.documents.get(advisor_id)
        return copy.deepcopy(found) if found and found["office_id"] == office_id else None

    async def advisors(self, office_id: str) -> list[Document]:
        found = [a for a in self.documents.values() if a["office_id"] == office_id]
        return copy.deepcopy(sorted(found, key=lambda a: str(a["_id"])))

    async def update_advisor(
        self,
        office_id: str,
        advisor_id: str,
        fields: Mapping[str, Any],
        events: Iterable[Envelope] = (),
    ) -> Document | None:
        found = self.documents.get(advisor_id)
        if found is None or found["office_id"] != office_id:
            return None
        found.update(copy.deepcopy(dict(fields)))
        self.events += list(events)
        return copy.deepcopy(found)

    async def advisor_by_feed(self, token_hash: str) -> Document | None:
        for advisor in self.documents.values():
            if advisor.get("feed_token_hash") == token_hash:
                return copy.deepcopy(advisor)
        return None


def _keeps_to_the_protocol(store: MemoryAdvisorStore) -> AdvisorRepository:
    return store  # mypy: the memory store has every method of the repository, typed alike
