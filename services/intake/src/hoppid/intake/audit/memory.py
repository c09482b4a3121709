"""The audit trail's repository in memory: the same methods and promises as ``AuditStore`` (an
entry read back as written, a page of one office's entries newest first, the later ``_id``
first among entries of one time, filtered by a case reference the entry holds and by action;
the purge deletes what is older than its time), for fast tests of what writes and reads the
trail. tests/contract/test_audit_repository.py runs the same cases on both."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from hoppid.intake.audit.store import AuditRepository

Document = dict[str, Any]


class MemoryAudit:
    def __init__(self) -> None:
        self.entries: list[Document] = []

    async def write(self, entries: Sequence[Document]) -> None:
        self.entries += copy.deepcopy(list(entries))

    async def page(
        self,
        office_id: str,
        *,
        reference: str | None = None,
        action: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Document]:
        def matches(entry: Document) -> bool:
            return (
                entry["office_id"] == office_id
                and (not reference or reference in entry["case_references"])
                and (not action or entry["action"] == action)
            )

        found = sorted(
            (e for e in self.entries if matches(e)),
            key=lambda e: (e["at"], e["_id"]),
            reverse=True,
        )
        return copy.deepcopy(found[offset : offset + limit])

    async def purge(self, before: datetime) -> int:
        kept = [e for e in self.entries if not e["at"] < before]
        deleted, self.entries = len(self.entries) - len(kept), kept
        return deleted


def _keeps_to_the_protocol(memory: MemoryAudit) -> AuditRepository:
    return memory  # mypy: the memory repository has every method of the Protocol, typed alike
