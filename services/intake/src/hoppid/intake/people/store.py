"""The people's repository as the people use cases see it: a person read, inserted, corrected,
a consent withdrawn, the person erased, and the person's cases in every office (read, and found
by their data as it is now). ``IntakeStore`` (the root's ``store.py``) implements it on the
database and is the only place its Mongo operators are written; ``people/memory.py`` is the same
repository in memory. The use cases are typed against ``PersonRepository``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

from hoppid.shared.envelope import Envelope

Document = dict[str, Any]


class PersonRepository(Protocol):
    """What the people use cases read and write. Every change is written with its events, and
    answers the person as they are after it, or None when there is no such person (or, with
    ``expect``, they no longer hold the values expected)."""

    async def person(self, person_id: str) -> Document | None: ...

    async def person_by_email(self, email: str) -> Document | None: ...

    async def insert_person(self, person: Document) -> bool:
        """False if a person with this email (or this ``_id``) exists already."""
        ...

    async def set_person(
        self,
        person_id: str,
        fields: Mapping[str, Any],
        events: Iterable[Envelope] = (),
        expect: Mapping[str, Any] | None = None,
    ) -> Document | None: ...

    async def withdraw_consent(
        self, person_id: str, consent: str, events: Iterable[Envelope]
    ) -> Document | None:
        """The consent set to False (the others kept)."""
        ...

    async def erase_person(
        self, person_id: str, at: datetime, events: Iterable[Envelope]
    ) -> Document | None:
        """Name, email (``erased:<id>``: the address is free again), phone and consents gone,
        ``erased_at`` set, the link epoch one on (every link of theirs dead)."""
        ...

    async def cases_of_person(self, person_id: str) -> list[Document]:
        """The person's cases in every office, oldest first."""
        ...

    async def set_search_keys(self, person_id: str, keys: list[str]) -> None:
        """The person's cases, in every office, found by ``keys`` from now on."""
        ...
