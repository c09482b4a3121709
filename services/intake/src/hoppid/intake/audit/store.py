"""The audit trail's repository: entries written (in one call, an error if the store refuses
them), a page of an office's entries read newest first, and the old ones purged.

``AuditStore`` keeps them in the ``audit_log`` collection and is the only place its Mongo
operators are written; ``hoppid.intake.audit.memory.MemoryAudit`` keeps them in a list for fast
tests. The trail (``trail.py``) is typed against ``AuditRepository``;
tests/contract/test_audit_repository.py runs the same cases on both."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from pymongo import DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from hoppid.shared.mongo import IndexSpec, apply_indexes

Document = dict[str, Any]
AUDIT = "audit_log"
INDEXES = [
    IndexSpec(AUDIT, ["office_id", "at"]),  # the office's trail, newest first
    IndexSpec(AUDIT, ["office_id", "action", "at"]),  # ... of one action
    IndexSpec(AUDIT, ["office_id", "case_references", "at"]),  # ... of one case
    IndexSpec(AUDIT, ["at"]),  # the retention pass
]


class AuditRepository(Protocol):
    """What the trail asks of its store: an entry is kept as written, and a page holds only
    the office's entries, newest first (the later ``_id`` first among entries of one time)."""

    async def write(self, entries: Sequence[Document]) -> None: ...

    async def page(
        self,
        office_id: str,
        *,
        reference: str | None = None,
        action: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Document]: ...

    async def purge(self, before: datetime) -> int: ...


class AuditStore:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self.collection = collection

    @classmethod
    def of(cls, database: AsyncDatabase[Document], own_database: str = "") -> AuditStore:
        """The trail in intake's ``database``, or in ``own_database`` on the same server when
        one is named (``HOPPID_INTAKE_AUDIT_DATABASE``)."""
        chosen = database.client[own_database] if own_database else database
        return cls(chosen[AUDIT])

    async def make_indexes(self) -> None:
        """The trail's indexes, in whichever database holds it (made at every start)."""
        await apply_indexes(self.collection.database, INDEXES)

    async def write(self, entries: Sequence[Document]) -> None:
        """Into the store, or an error: the caller's act must not go on without it."""
        await self.collection.insert_many(list(entries))

    async def page(
        self,
        office_id: str,
        *,
        reference: str | None = None,
        action: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Document]:
        """A page of the office's trail, newest first, of one case and one action if given."""
        query: Document = {}
        if reference:
            query["case_references"] = reference
        if action:
            query["action"] = action
        query["office_id"] = office_id  # last: a filter cannot widen it
        cursor = (
            self.collection.find(query)
            .sort([("at", DESCENDING), ("_id", DESCENDING)])
            .skip(offset)
            .limit(limit)
        )
        return [found async for found in cursor]

    async def purge(self, before: datetime) -> int:
        """Delete the entries older than ``before``; how many."""
        result = await self.collection.delete_many({"at": {"$lt": before}})
        return result.deleted_count


def _keeps_to_the_protocol(store: AuditStore) -> AuditRepository:
    return store  # mypy: the store has every method of the Protocol, typed alike
