"""The inquiries' repository as the public inquiry sees it: the office serving a municipality,
the claims that decide a submission's case id (once per key), the case inserted once with its
events, and the person inserted once per email or found by it. ``IntakeStore`` (the root's
``store.py``) implements it on the database and is the only place its Mongo operators are
written; ``memory.MemoryInquiries`` implements it in memory for unit tests
(tests/contract/test_inquiry_repository.py runs the same cases on both). ``use_cases`` is typed
against ``InquiryRepository``.

The inquiry is intake's hot path: a new person's costs four round-trips (the claims, the person,
their vault key, the case with its events); each method here is one of them, or a read a retry
or a returning person needs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from hoppid.shared.envelope import Envelope

Document = dict[str, Any]


class InquiryRepository(Protocol):
    async def office_serving(self, municipality: str) -> Document | None:
        """The office for a municipality (the store: from offices read recently)."""
        ...

    async def claim(self, keys: Sequence[str], case_id: str, at: datetime) -> str:
        """The case id these keys stand for: ``case_id`` if no key names another case, else
        the case of the first key (in order) claimed before, to which the keys made now are
        pointed. A key once taken keeps naming its first claimant's case."""
        ...

    async def case_by_id(self, case_id: str) -> Document | None: ...

    async def has_cases(self, person_id: str) -> bool: ...

    async def insert_case(self, case: Document, events: Iterable[Envelope]) -> bool:
        """The case with its events; False if it exists already (a retried submission)."""
        ...

    async def insert_person(self, person: Document) -> bool:
        """False if a person with this email (or this ``_id``) exists already."""
        ...

    async def person_by_email(self, email: str) -> Document | None: ...
