"""The links' repository as the new-link use cases and the issuing pass see it: a request for a
new link recorded, the open ones listed, one claimed by one instance at a time and dropped once
handled; and the person an address belongs to, their cases and the change that issues them a
link. ``IntakeStore`` (the root's ``store.py``) implements it on the database and is the only
place its Mongo operators are written; ``memory.MemoryLinks`` implements it in memory for unit
tests (tests/contract/test_link_repository.py runs the same cases on both). ``use_cases`` (the
request) and ``issuing`` (the background pass) are typed against ``LinkRepository``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

from hoppid.shared.envelope import Envelope

Document = dict[str, Any]


class LinkRepository(Protocol):
    async def add_link_request(self, request: Document) -> None: ...

    async def open_link_requests(self, stale_before: datetime, limit: int = 100) -> list[str]:
        """The ids of requests nobody has taken, or taken before ``stale_before`` and left,
        oldest first."""
        ...

    async def take_link_request(
        self, request_id: str, now: datetime, stale_before: datetime
    ) -> Document | None:
        """The request, taken now, if it is still open; None if another took it meanwhile."""
        ...

    async def drop_link_request(self, request_id: str) -> None: ...

    async def person_by_email(self, email: str) -> Document | None: ...

    async def cases_of_person(self, person_id: str) -> list[Document]:
        """The person's cases in every office, oldest first."""
        ...

    async def set_person(
        self,
        person_id: str,
        fields: Mapping[str, Any],
        events: Iterable[Envelope] = (),
        expect: Mapping[str, Any] | None = None,
    ) -> Document | None:
        """The person's ``fields`` set with their events, only while ``expect`` holds; the
        person as they are after, or None."""
        ...
