"""The links' repository in memory: the same methods and promises as ``IntakeStore``'s for
requests for a new link (open ones oldest first, each taken by one caller until it goes stale,
dropped once handled) and for the people they name (``people.memory``: one person per email, a
change only while ``expect`` holds, its events written with it), for fast tests of the request
and the issuing pass. tests/contract/test_link_repository.py runs the same cases on both."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from hoppid.intake.links.store import LinkRepository
from hoppid.intake.people.memory import MemoryPeople

Document = dict[str, Any]


class MemoryLinks(MemoryPeople):
    def __init__(self) -> None:
        super().__init__()
        self.link_requests: dict[str, Document] = {}

    async def add_link_request(self, request: Document) -> None:
        if request["_id"] in self.link_requests:
            raise ValueError(f"request {request['_id']} exists already")  # the store: duplicate
        self.link_requests[request["_id"]] = copy.deepcopy(request)

    async def open_link_requests(self, stale_before: datetime, limit: int = 100) -> list[str]:
        open_ = [r for r in self.link_requests.values() if r["taken_at"] < stale_before]
        return [r["_id"] for r in sorted(open_, key=lambda r: r["requested_at"])[:limit]]

    async def take_link_request(
        self, request_id: str, now: datetime, stale_before: datetime
    ) -> Document | None:
        request = self.link_requests.get(request_id)
        if request is None or request["taken_at"] >= stale_before:
            return None
        request["taken_at"] = now
        return copy.deepcopy(request)

    async def drop_link_request(self, request_id: str) -> None:
        self.link_requests.pop(request_id, None)


def _keeps_to_the_protocol(store: MemoryLinks) -> LinkRepository:
    return store  # mypy: the memory repository has every method of the Protocol, typed alike
