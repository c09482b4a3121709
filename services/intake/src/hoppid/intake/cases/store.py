"""The cases' repository as the case use cases see it: what they read and how a case changes,
named by what it means (``CaseChange``: fields set, entries appended). ``IntakeStore`` (the
root's ``store.py``) implements it on the database and is the only place its Mongo operators
are written; the use cases are typed against ``CaseRepository``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from hoppid.shared.envelope import Envelope

Document = dict[str, Any]


@dataclass(frozen=True)
class CaseChange:
    """One change of a case: fields given new values, and one entry appended to each named
    list (a note, a history entry, an application, an introduction)."""

    fields: Mapping[str, Any] = field(default_factory=dict)
    appended: Mapping[str, Any] = field(default_factory=dict)


class CaseRepository(Protocol):
    """What the case use cases read and write; every read and write carries the office."""

    async def case(self, office_id: str, case_id: str) -> Document | None: ...

    async def case_by_reference(self, office_id: str, reference: str) -> Document | None: ...

    async def search_cases(self, office_id: str, key: str, limit: int) -> list[Document]: ...

    async def find_cases(
        self,
        office_id: str,
        filters: Mapping[str, Any],
        limit: int,
        offset: int,
        *,
        newest: datetime,
        oldest: datetime | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Document]: ...

    async def person(self, person_id: str) -> Document | None: ...

    async def change_case(
        self,
        office_id: str,
        case_id: str,
        change: CaseChange,
        events: Iterable[Envelope],
        expect: Mapping[str, Any] | None = None,
    ) -> Document | None: ...
