"""The programmes' repository in memory: the same methods and promises as ``ProgrammeStore`` (a
change decided on the programme as read and written only to that version, seats never past the
change's guard, events written with it), for fast tests of the use cases. The contract test
(services/scheduling/tests/contract/test_programme_repository.py) runs the same cases on both."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from hoppid.scheduling.programmes.store import (
    ATTEMPTS,
    Change,
    Contended,
    Decide,
    ProgrammeRepository,
)
from hoppid.shared.envelope import Envelope

Document = dict[str, Any]


def _by_first_start(found: Iterable[Document]) -> list[Document]:
    return copy.deepcopy(sorted(found, key=lambda p: p["first_start"]))


class MemoryProgrammeStore:
    def __init__(self) -> None:
        self.documents: dict[str, Document] = {}
        self.events: list[Envelope] = []  # every event written, in order (the outbox's)

    async def insert(self, programme: Document, events: Iterable[Envelope] = ()) -> None:
        if programme["_id"] in self.documents:
            raise KeyError(f"programme {programme['_id']} exists")
        self.documents[programme["_id"]] = {**copy.deepcopy(programme), "version": 0}
        self.events += list(events)

    async def programme(self, programme_id: str) -> Document | None:
        return copy.deepcopy(self.documents.get(programme_id))

    async def of_office(self, office_id: str) -> list[Document]:
        return _by_first_start(p for p in self.documents.values() if p["office_id"] == office_id)

    async def open_to_people(self) -> list[Document]:
        return _by_first_start(
            p
            for p in self.documents.values()
            if p.get("kind") != "school_programme" and p.get("cancelled_at") is None
        )

    async def reminders_due(self, now: datetime, limit: int = 200) -> list[Document]:
        due = [
            p
            for p in self.documents.values()
            if p.get("reminder_at") is not None and p["reminder_at"] <= now
        ]
        return copy.deepcopy(due[:limit])

    async def of_person(self, person_id: str) -> list[Document]:
        return _by_first_start(
            p for p in self.documents.values() if person_id in p.get("people", [])
        )

    async def change(self, programme_id: str, decide: Decide) -> tuple[Document, Document]:
        for _ in range(ATTEMPTS):
            current = await self.programme(programme_id)
            if current is None:
                raise LookupError(programme_id)
            wanted = decide(current)
            after = self._write(current, wanted)
            if after is not None:
                return after, wanted.answer
        raise Contended(programme_id)

    def _write(self, current: Document, wanted: Change) -> Document | None:
        stored = self.documents.get(current["_id"])
        if stored is None or stored["version"] != current["version"]:
            return None
        if wanted.max_taken is not None and stored.get("taken", 0) > wanted.max_taken:
            return None
        stored.update(copy.deepcopy(wanted.set))
        stored["version"] += 1
        self.events += list(wanted.events)
        return copy.deepcopy(stored)

    async def anonymise_ended_before(self, before: datetime, now: datetime) -> int:
        changed = 0
        for programme in self.documents.values():
            if programme["first_start"] >= before or programme.get("anonymised_at") is not None:
                continue
            if any(session["end"] >= before for session in programme["sessions"]):
                continue
            for key in ("seats", "waiting"):
                programme[key] = [
                    {**entry, "person_id": None, "case_id": None}
                    for entry in programme.get(key, [])
                ]
            programme.update({"people": [], "anonymised_at": now})
            changed += 1
        return changed


def _keeps_to_the_protocol(store: MemoryProgrammeStore) -> ProgrammeRepository:
    return store  # mypy: the memory store has every method of the repository, typed alike
