"""The catalogue's entries in intake's database, always read and written with their office.

An office's entries are a handful: the list is read whole (sorted by name) and the case page
picks the active ones from it. Entries are never deleted (an application keeps naming its
entry), so an office without any has never been read: its first read seeds the clarification
grant, by a fixed id and ``$setOnInsert``, so two first reads make one entry and an entry an
office has changed is never written over.

``GrantRepository`` names what the catalogue's use cases call; ``GrantStore`` implements it
on the database (the only place with the catalogue's Mongo operators), ``memory.MemoryGrants``
in memory for unit tests (tests/contract/test_grant_repository.py runs the same cases on both)."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from typing import Any, Protocol

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, OperationFailure

from hoppid.intake.grants.model import SEED, name_key, seed_id
from hoppid.intake.model import RuleViolation
from hoppid.intake.store import OFFICES
from hoppid.shared.mongo import IndexSpec, is_duplicate_key

Document = dict[str, Any]
GRANT_PROGRAMMES = "grant_programmes"
INDEXES = [
    # one name per office, and the office's list sorted by name
    IndexSpec(GRANT_PROGRAMMES, ["office_id", "name_key"], unique=True, name="one_name_per_office"),
]


class GrantRepository(Protocol):
    """What the catalogue's use cases read and write; entries always with their office.
    ``add`` and ``change`` refuse a name the office has already (RuleViolation on ``name``)."""

    async def office_exists(self, office_id: str) -> bool: ...

    async def of_office(self, office_id: str, now: datetime) -> list[Document]: ...

    async def add(self, entry: Document) -> None: ...

    async def change(
        self, office_id: str, programme_id: str, fields: Document
    ) -> Document | None: ...


class GrantStore:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self.entries = database[GRANT_PROGRAMMES]
        self.offices = database[OFFICES]

    async def office_exists(self, office_id: str) -> bool:
        return await self.offices.find_one({"_id": office_id}, {"_id": 1}) is not None

    async def of_office(self, office_id: str, now: datetime) -> list[Document]:
        """The office's entries by name; the first read of an office seeds its first entry."""
        found = await self._listed(office_id)
        if not found:
            await self.seed(office_id, now)
            found = await self._listed(office_id)
        return found

    async def _listed(self, office_id: str) -> list[Document]:
        cursor = self.entries.find({"office_id": office_id}).sort("name_key", ASCENDING)
        return [entry async for entry in cursor]

    async def seed(self, office_id: str, now: datetime) -> None:
        seeded = {**SEED, "office_id": office_id, "name_key": name_key(str(SEED["name"]))}
        # DuplicateKeyError: another first read inserted it at the same moment
        with suppress(DuplicateKeyError):
            await self.entries.update_one(
                {"_id": seed_id(office_id)},
                {"$setOnInsert": {**seeded, "created_at": now, "changed_at": now}},
                upsert=True,
            )

    async def add(self, entry: Document) -> None:
        try:
            await self.entries.insert_one({**entry, "name_key": name_key(entry["name"])})
        except DuplicateKeyError:
            raise RuleViolation("name", "the office has a programme of this name") from None

    async def change(self, office_id: str, programme_id: str, fields: Document) -> Document | None:
        """The entry after the change (one single-document update), None if there is none."""
        if "name" in fields:
            fields = {**fields, "name_key": name_key(fields["name"])}
        try:
            return await self.entries.find_one_and_update(
                {"_id": programme_id, "office_id": office_id},
                {"$set": fields},
                return_document=ReturnDocument.AFTER,
            )
        except OperationFailure as error:  # FerretDB 1.24 answers an update's clash with code 1
            if not is_duplicate_key(error):
                raise
            raise RuleViolation("name", "the office has a programme of this name") from None
