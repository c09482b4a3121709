"""intake's MongoDB persistence: offices, API keys, people, cases, submission claims.

Every change that causes events writes them into the changed document's outbox in the same
single-document update (see hoppid.shared.outbox). Cases are always read and written with the
caller's office in the filter, so one office can never see or change another's case.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from hoppid.shared.envelope import Envelope
from hoppid.shared.mongo import DocumentLocks, IndexSpec
from hoppid.shared.outbox import (
    HIDE_OUTBOX,
    outbox_fields,
    outbox_indexes,
    with_outbox,
    without_outbox,
)

Document = dict[str, Any]

OFFICES, KEYS, PEOPLE, CASES, CLAIMS = "offices", "api_keys", "people", "cases", "claims"
OUTBOX_COLLECTIONS = (OFFICES, PEOPLE, CASES, KEYS)

INDEXES = [
    IndexSpec(PEOPLE, ["email"], unique=True, name="one_person_per_email"),
    IndexSpec(CASES, ["reference"], unique=True, name="unique_reference"),
    IndexSpec(CASES, ["office_id", "created_at"]),
    IndexSpec(CASES, ["office_id", "status"]),
    IndexSpec(CASES, ["person_id"]),
    IndexSpec(KEYS, ["office_id"]),
    *outbox_indexes(OUTBOX_COLLECTIONS),
]


class IntakeStore:
    def __init__(self, database: AsyncDatabase[Document], topic: str, locks: DocumentLocks) -> None:
        self.db = database
        self.topic = topic
        self.locks = locks  # every update of an existing document holds its lock

    # --- offices -------------------------------------------------------------------------
    async def seed_office(self, office: Document) -> None:
        """Insert an office from the packaged data unless it exists (admins may have changed it)."""
        async with self.locks.hold(OFFICES, office["_id"]):
            await self.db[OFFICES].update_one(
                {"_id": office["_id"]}, {"$setOnInsert": office}, upsert=True
            )

    async def office(self, office_id: str) -> Document | None:
        return await self.db[OFFICES].find_one({"_id": office_id}, HIDE_OUTBOX)

    async def offices(self) -> list[Document]:
        cursor = self.db[OFFICES].find({}, HIDE_OUTBOX).sort("_id", ASCENDING)
        return [office async for office in cursor]

    async def office_serving(self, municipality: str) -> Document | None:
        return await self.db[OFFICES].find_one({"municipalities": municipality}, HIDE_OUTBOX)

    async def save_office(self, office: Document, events: Iterable[Envelope]) -> None:
        fields = {k: v for k, v in office.items() if k != "_id"}
        async with self.locks.hold(OFFICES, office["_id"]):
            await self.db[OFFICES].update_one(
                {"_id": office["_id"]},
                with_outbox({"$set": fields}, self.topic, events),
                upsert=True,
            )

    # --- API keys (the key ring reads the same collection: hoppid.shared.access) --------------
    async def add_key(self, key: Document, events: Iterable[Envelope]) -> None:
        await self.db[KEYS].insert_one({**key, **outbox_fields(self.topic, events)})

    async def revoke_key(
        self, office_id: str, key_id: str, at: datetime, events: Iterable[Envelope]
    ) -> bool:
        async with self.locks.hold(KEYS, key_id):
            result = await self.db[KEYS].update_one(
                {"_id": key_id, "office_id": office_id, "revoked_at": None},
                with_outbox({"$set": {"revoked_at": at}}, self.topic, events),
            )
        return result.modified_count == 1

    # --- submission claims: one case per idempotency key / per duplicate fingerprint --------
    async def claim(self, key: str, case_id: str, at: datetime) -> str:
        """The case id this key stands for: ours if we are first, else the earlier one."""
        try:
            await self.db[CLAIMS].insert_one({"_id": key, "case_id": case_id, "at": at})
            return case_id
        except DuplicateKeyError:
            existing = await self.db[CLAIMS].find_one({"_id": key})
            assert existing is not None
            return str(existing["case_id"])

    async def point_claim(self, key: str, case_id: str) -> None:
        await self.db[CLAIMS].update_one({"_id": key}, {"$set": {"case_id": case_id}})

    # --- people --------------------------------------------------------------------------
    async def person_by_email(self, email: str) -> Document | None:
        return await self.db[PEOPLE].find_one({"email": email})

    async def person(self, person_id: str) -> Document | None:
        return await self.db[PEOPLE].find_one({"_id": person_id}, HIDE_OUTBOX)

    async def insert_person(self, person: Document) -> Document:
        """Insert, or return the person who got there first with the same email."""
        try:
            await self.db[PEOPLE].insert_one(person)
            return person
        except DuplicateKeyError:
            existing = await self.person_by_email(person["email"])
            if existing is None:  # the duplicate was the _id: the same insert, retried
                existing = await self.person(person["_id"])
            assert existing is not None
            return existing

    async def update_person(
        self, person_id: str, update: Mapping[str, Any], events: Iterable[Envelope] = ()
    ) -> Document | None:
        events = list(events)
        full = with_outbox(update, self.topic, events) if events else dict(update)
        async with self.locks.hold(PEOPLE, person_id):
            person = await self.db[PEOPLE].find_one_and_update(
                {"_id": person_id}, full, return_document=ReturnDocument.AFTER
            )
        # FerretDB 1.24 cannot project in findAndModify: the outbox is dropped here
        return without_outbox(person)

    # --- cases ---------------------------------------------------------------------------
    async def insert_case(self, case: Document, events: Iterable[Envelope]) -> bool:
        """Insert the case with its events; False if it exists already (a retried submission)."""
        try:
            await self.db[CASES].insert_one({**case, **outbox_fields(self.topic, events)})
            return True
        except DuplicateKeyError:
            return False

    async def case_by_id(self, case_id: str) -> Document | None:
        return await self.db[CASES].find_one({"_id": case_id}, HIDE_OUTBOX)

    async def case(self, office_id: str, case_id: str) -> Document | None:
        return await self.db[CASES].find_one({"_id": case_id, "office_id": office_id}, HIDE_OUTBOX)

    async def cases_of_person(self, person_id: str) -> list[Document]:
        cursor = self.db[CASES].find({"person_id": person_id}, HIDE_OUTBOX).sort("created_at", 1)
        return [case async for case in cursor]

    async def find_cases(
        self, office_id: str, filters: Mapping[str, Any], limit: int, offset: int
    ) -> list[Document]:
        query = {**filters, "office_id": office_id}  # the office last: filters cannot widen it
        cursor = (
            self.db[CASES]
            .find(query, {**HIDE_OUTBOX, "notes": 0})
            .sort("created_at", DESCENDING)
            .skip(offset)
            .limit(limit)
        )
        return [case async for case in cursor]

    async def update_case(
        self,
        office_id: str,
        case_id: str,
        update: Mapping[str, Any],
        events: Iterable[Envelope],
        expect: Mapping[str, Any] | None = None,
    ) -> Document | None:
        """Change a case of this office and write its events, only if ``expect`` still holds."""
        selector = {**(expect or {}), "_id": case_id, "office_id": office_id}
        async with self.locks.hold(CASES, case_id):
            case = await self.db[CASES].find_one_and_update(
                selector,
                with_outbox(update, self.topic, events),
                return_document=ReturnDocument.AFTER,
            )
        # FerretDB 1.24 cannot project in findAndModify: the outbox is dropped here
        return without_outbox(case)
