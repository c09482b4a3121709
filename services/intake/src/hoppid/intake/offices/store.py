"""The offices' repository as the office use cases see it: offices read and saved with the
events a change causes, API keys added and revoked with theirs. ``IntakeStore`` (the root's
``store.py``) implements it on the database and is the only place its Mongo operators are
written (the inquiries' recently read offices are its own business); ``memory.MemoryOffices``
implements it in memory for unit tests (tests/contract/test_office_repository.py runs the same
cases on both). The use cases are typed against ``OfficeRepository``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

from hoppid.shared.envelope import Envelope

Document = dict[str, Any]


class OfficeRepository(Protocol):
    async def office(self, office_id: str) -> Document | None: ...

    async def offices(self) -> list[Document]:
        """Every office, by id, as stored now."""
        ...

    async def save_office(self, office: Document, events: Iterable[Envelope]) -> None:
        """The office's fields set (a new office inserted), with its events."""
        ...

    async def add_key(self, key: Document, events: Iterable[Envelope]) -> None: ...

    async def revoke_key(
        self, office_id: str, key_id: str, at: datetime, events: Iterable[Envelope]
    ) -> bool:
        """True if the office's key was revoked now; False if there is none, it is another
        office's or revoked already (no events then)."""
        ...
