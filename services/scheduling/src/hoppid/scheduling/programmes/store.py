"""Persistence of group programmes (courses, growth programmes, camps, school programmes).

A programme is ONE document: its sessions, its seated enrolments (``seats``), its waitlist
(``waiting``), the seats taken (``taken``, a head count) and its attendance. Every change is one
conditional update of that document, so the seats, the waitlist and the events that tell about
them (its ``outbox``) always change together: FerretDB has no transactions, and a crash can never
leave a seat taken without its enrolment or a promotion without its event.

Capacity is the store's to keep: a change is computed from the document as read, then written
only if the document is still that version (``version``), and a
change that takes seats also demands ``taken <= capacity - seats`` in its filter. Another
process that changed the programme meanwhile makes the write match nothing; it is then
recomputed from the fresh document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from hoppid.shared.envelope import Envelope
from hoppid.shared.mongo import IndexSpec
from hoppid.shared.outbox import (
    HIDE_OUTBOX,
    change_with_outbox,
    outbox_fields,
    outbox_indexes,
)

Document = dict[str, Any]

PROGRAMMES = "programmes"
INDEXES = [
    IndexSpec(PROGRAMMES, ["office_id", "first_start"]),
    IndexSpec(PROGRAMMES, ["people"]),
    IndexSpec(PROGRAMMES, ["reminder_at"]),  # session reminders falling due
    *outbox_indexes([PROGRAMMES]),
]
ATTEMPTS = 20  # recomputations when other processes keep changing the programme meanwhile


class Contended(Exception):
    """The programme kept changing under us; the caller may retry."""


@dataclass
class Change:
    """What a use case wants to write: ``$set`` fields, a seat guard, events and an answer."""

    set: Document
    events: list[Envelope]
    answer: Document = field(default_factory=dict)
    max_taken: int | None = None  # the filter demands taken <= this (seats it takes are free)


Decide = Callable[[Document], Change]


class ProgrammeRepository(Protocol):
    """What the programmes' use cases ask of their store: :class:`ProgrammeStore` on MongoDB,
    :class:`hoppid.scheduling.programmes.memory.MemoryProgrammeStore` for fast tests. Either
    writes a change only to the version it was decided on, with its seat guard and events."""

    async def insert(self, programme: Document, events: Iterable[Envelope] = ()) -> None: ...
    async def programme(self, programme_id: str) -> Document | None: ...
    async def of_office(self, office_id: str) -> list[Document]: ...
    async def open_to_people(self) -> list[Document]: ...
    async def reminders_due(self, now: datetime, limit: int = 200) -> list[Document]: ...
    async def of_person(self, person_id: str) -> list[Document]: ...
    async def change(self, programme_id: str, decide: Decide) -> tuple[Document, Document]: ...
    async def anonymise_ended_before(self, before: datetime, now: datetime) -> int: ...


class ProgrammeStore:
    def __init__(self, database: AsyncDatabase[Document], topic: str):
        self.db = database
        self.topic = topic

    async def insert(self, programme: Document, events: Iterable[Envelope] = ()) -> None:
        document = {**programme, "version": 0, **outbox_fields(self.topic, events)}
        await self.db[PROGRAMMES].insert_one(document)

    async def programme(self, programme_id: str) -> Document | None:
        return await self.db[PROGRAMMES].find_one({"_id": programme_id}, HIDE_OUTBOX)

    async def of_office(self, office_id: str) -> list[Document]:
        cursor = (
            self.db[PROGRAMMES]
            .find({"office_id": office_id}, HIDE_OUTBOX)
            .sort("first_start", ASCENDING)
        )
        return [programme async for programme in cursor]

    async def open_to_people(self) -> list[Document]:
        """Programmes a person may enrol in through their link (school ones are by class; a
        cancelled one takes nobody: left out here, not in the query, whose shape is indexed)."""
        cursor = (
            self.db[PROGRAMMES]
            .find({"kind": {"$ne": "school_programme"}}, HIDE_OUTBOX)
            .sort("first_start", ASCENDING)
        )
        return [p async for p in cursor if p.get("cancelled_at") is None]

    async def reminders_due(self, now: datetime, limit: int = 200) -> list[Document]:
        cursor = self.db[PROGRAMMES].find({"reminder_at": {"$lte": now}}, HIDE_OUTBOX)
        return [programme async for programme in cursor.limit(limit)]

    async def of_person(self, person_id: str) -> list[Document]:
        # ``people`` lists the person ids seated or waiting (kept beside seats and waiting)
        cursor = (
            self.db[PROGRAMMES]
            .find({"people": person_id}, HIDE_OUTBOX)
            .sort("first_start", ASCENDING)
        )
        return [programme async for programme in cursor]

    async def anonymise_ended_before(self, before: datetime, now: datetime) -> int:
        """Programmes whose every session ended before ``before``: their places keep the
        number of participants, the municipality and the school, not who (retention); how
        many changed now."""
        changed = 0
        found = self.db[PROGRAMMES].find(
            {"first_start": {"$lt": before}, "anonymised_at": None},
            {"sessions": 1, "seats": 1, "waiting": 1},
        )
        async for programme in found:
            if any(session["end"] >= before for session in programme["sessions"]):
                continue
            fields = {
                key: [
                    {**entry, "person_id": None, "case_id": None}
                    for entry in programme.get(key, [])
                ]
                for key in ("seats", "waiting")
            }
            result = await self.db[PROGRAMMES].update_one(
                {"_id": programme["_id"]},
                {"$set": {**fields, "people": [], "anonymised_at": now}},
            )
            changed += result.modified_count
        return changed

    async def change(self, programme_id: str, decide: Decide) -> tuple[Document, Document]:
        """Apply ``decide``'s change to the fresh programme; (programme after, answer).

        ``decide`` raises to refuse (not found, full...). It runs again when another process
        changed the programme between the read and the write."""
        for _ in range(ATTEMPTS):
            current = await self.programme(programme_id)
            if current is None:
                raise LookupError(programme_id)
            wanted = decide(current)
            after = await self._write(current, wanted)
            if after is not None:
                return after, wanted.answer
        raise Contended(programme_id)

    async def _write(self, current: Document, wanted: Change) -> Document | None:
        query: Document = {"_id": current["_id"], "version": current["version"]}
        if wanted.max_taken is not None:
            query["taken"] = {"$lte": wanted.max_taken}
        update = {"$set": wanted.set, "$inc": {"version": 1}}
        return await change_with_outbox(
            self.db[PROGRAMMES], query, update, self.topic, wanted.events
        )
