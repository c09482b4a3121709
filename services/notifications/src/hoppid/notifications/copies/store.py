"""The copies' persistence: offices, people's sealed contact copies, meetings' versions and the
read models (advisors, programme places, open cases), each document kept as of the newest event
that made it (``as_of``).

A mixin of :class:`hoppid.notifications.store.NotificationsStore`, the service's one handle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from hoppid.shared.cache import TtlCache
from hoppid.shared.mongo import IndexSpec

Document = dict[str, Any]

OFFICES, PEOPLE, BOOKINGS = "offices", "people", "bookings"
# read models from events it consumes: advisors (sealed contact), programme enrolments (who a
# session reminder goes to), cases (the digest's open cases); bookings hold meetings too
ADVISORS, ENROLMENTS, CASES = "advisors", "enrolments", "cases"
# the as_of of a person's document that holds a correction but no copy from an inquiry yet
NO_COPY = datetime(1970, 1, 1, tzinfo=UTC)
# how long a message may use an office read earlier: a change this process stores from
# office.changed is seen at once, one stored by another instance within this time
OFFICES_TTL_SECONDS = 10.0

INDEXES = [
    IndexSpec(ENROLMENTS, ["programme_id", "status"]),
    IndexSpec(BOOKINGS, ["advisor_id", "start"]),
    IndexSpec(CASES, ["office_id", "status"]),
    IndexSpec(ADVISORS, ["active"]),  # the daily digest's advisors
    IndexSpec(BOOKINGS, ["start"]),  # retention: past meetings
    IndexSpec(ENROLMENTS, ["as_of"]),  # retention: old enrolments
]


class Copies(Protocol):
    """The copies' repository: :class:`CopiesStore` (MongoDB) and
    :class:`hoppid.notifications.copies.memory.MemoryCopies` (unit tests)."""

    async def office(self, office_id: str) -> Document | None: ...
    async def recent_office(self, office_id: str) -> Document | None: ...
    async def person(self, person_id: str) -> Document | None: ...
    async def save_if_newer(self, collection: str, document: Document, at: datetime) -> bool: ...
    async def save_beside_copy(
        self, person_id: str, fields: Document, stamp: str, at: datetime
    ) -> bool: ...
    async def person_erased(self, person_id: str | None) -> bool: ...
    async def forget_person(self, person_id: str, at: datetime) -> None: ...
    async def advisor(self, advisor_id: str) -> Document | None: ...
    async def active_advisors(self) -> list[Document]: ...
    async def seated_enrolments(self, programme_id: str) -> list[Document]: ...
    async def holding_enrolments(self, programme_id: str) -> list[Document]: ...
    async def meetings_of_advisor(
        self, advisor_id: str, start: datetime, end: datetime
    ) -> list[Document]: ...
    async def open_cases(self, office_id: str, limit: int) -> list[Document]: ...
    async def count_open_cases(self, office_id: str) -> int: ...
    async def case_references(self, case_ids: Sequence[str | None]) -> dict[str, str]: ...
    async def booking(self, booking_id: str) -> Document | None: ...
    async def booking_version(
        self,
        booking_id: str,
        event_id: str,
        changes: Mapping[str, Any],
        sequence: int | None = None,
    ) -> Document: ...
    async def delete_meetings_before(self, before: datetime) -> int: ...
    async def delete_enrolments_before(self, before: datetime) -> int: ...


class CopiesStore:
    db: AsyncDatabase[Document]
    _recent_offices: TtlCache[str, Document | None]

    # --- offices and people: local copies, kept from events ------------------------------
    async def office(self, office_id: str) -> Document | None:
        return await self.db[OFFICES].find_one({"_id": office_id})

    async def recent_office(self, office_id: str) -> Document | None:
        """The office as read at most ``offices_ttl_seconds`` ago (every message needs it)."""
        return await self._recent_offices.get(office_id, lambda: self.office(office_id))

    async def person(self, person_id: str) -> Document | None:
        return await self.db[PEOPLE].find_one({"_id": person_id})

    async def save_if_newer(self, collection: str, document: Document, at: datetime) -> bool:
        """Keep the copy made from the newest event; an older event changes nothing.

        One conditional upsert: it matches a copy no newer than ``at``; when a newer copy
        exists, the upsert's insert meets its ``_id`` and nothing is written. A tie goes to the
        event applied last: the store keeps milliseconds, so two events of one subject stamped
        in the same millisecond (a case opened and closed at once) compare equal, and the
        partition's order, which consumers follow, is the truth. A repeated event rewrites the
        same values. Two events of one copy handled at once (two of a person's cases, consumed
        concurrently) may both find no copy and both insert: the loser tries once more, and is
        then compared with the winner's copy."""
        fields = {k: v for k, v in document.items() if k != "_id"}
        selector = {"_id": document["_id"], "as_of": {"$lte": at}}
        try:
            for tries_left in (1, 0):
                try:
                    await self.db[collection].update_one(
                        selector, {"$set": {**fields, "as_of": at}}, upsert=True
                    )
                    return True
                except DuplicateKeyError:
                    # a newer copy exists; or another event of the same document, handled at
                    # the same time, inserted it first: once more against what is there now
                    if not tries_left:
                        return False
        finally:
            if collection == OFFICES:
                self._recent_offices.forget()
        return False

    async def save_beside_copy(
        self, person_id: str, fields: Document, stamp: str, at: datetime
    ) -> bool:
        """Keep what a later event says of a person (a correction, a new link) beside their
        contact copy, with its time in the field ``stamp``, unless a newer one of the same kind
        is kept or the person is erased.

        Without a copy yet (the inquiry comes later, on another partition) the fields are
        inserted with an ``as_of`` of the epoch, so that the inquiry's copy is saved beside them
        (:meth:`save_if_newer`) and the newer of the two is read. Two writers at once: the
        loser of the insert tries the conditional update once more."""
        selector: Document = {
            "_id": person_id,
            "erased_at": None,
            "$or": [{stamp: None}, {stamp: {"$lt": at}}],
        }
        for tries_left in (1, 0):
            result = await self.db[PEOPLE].update_one(selector, {"$set": fields})
            if result.matched_count:
                return True
            try:
                await self.db[PEOPLE].insert_one({"_id": person_id, "as_of": NO_COPY, **fields})
                return True
            except DuplicateKeyError:
                if not tries_left:  # a newer one of the kind, or the person's tombstone
                    return False
        return False

    async def person_erased(self, person_id: str | None) -> bool:
        """Whether the person's erasure has been handled here (their tombstone exists)."""
        if not person_id:
            return False
        found = await self.db[PEOPLE].find_one({"_id": person_id, "erased_at": {"$ne": None}})
        return found is not None

    async def forget_person(self, person_id: str, at: datetime) -> None:
        """Erasure: keep only a tombstone (so an older event cannot bring the data back)."""
        await self.db[PEOPLE].replace_one(
            {"_id": person_id}, {"as_of": at, "erased_at": at}, upsert=True
        )

    # --- the read models: advisors, programme places, meetings and open cases ---------------
    async def advisor(self, advisor_id: str) -> Document | None:
        found = await self.find_all(ADVISORS, {"_id": advisor_id})
        return found[0] if found else None

    async def active_advisors(self) -> list[Document]:
        """The advisors marked active (the daily digest's), by id."""
        return await self.find_all(ADVISORS, {"active": True})

    async def seated_enrolments(self, programme_id: str) -> list[Document]:
        return await self.find_all(ENROLMENTS, {"programme_id": programme_id, "status": "seated"})

    async def holding_enrolments(self, programme_id: str) -> list[Document]:
        """The programme's enrolments that hold a place: seated or waiting."""
        holding = {"programme_id": programme_id, "status": {"$in": ["seated", "waiting"]}}
        return await self.find_all(ENROLMENTS, holding)

    async def meetings_of_advisor(
        self, advisor_id: str, start: datetime, end: datetime
    ) -> list[Document]:
        """The advisor's meetings (bookings) starting in [start, end), not cancelled, by start."""
        when = {"$gte": start, "$lt": end}
        wanted = {"advisor_id": advisor_id, "start": when, "cancelled": {"$ne": True}}
        return await self.find_all(BOOKINGS, wanted, sort="start")

    async def open_cases(self, office_id: str, limit: int) -> list[Document]:
        """The office's cases not closed, the longest unchanged first, at most ``limit``."""
        return await self.find_all(CASES, _open_cases(office_id), sort="as_of", limit=limit)

    async def count_open_cases(self, office_id: str) -> int:
        return await self.count(CASES, _open_cases(office_id))

    async def case_references(self, case_ids: Sequence[str | None]) -> dict[str, str]:
        """Each of these cases' reference, by case id (a case without one is left out). A
        meeting without a case gives None: left out of the query, since the local store
        (FerretDB 1.24) fails a sorted ``$in`` holding null."""
        wanted = [case_id for case_id in case_ids if case_id is not None]
        found = await self.find_all(CASES, {"_id": {"$in": wanted}})
        return {case["_id"]: case["reference"] for case in found if case.get("reference")}

    # the generic reads the methods above are made of (the county seeding keeps them in memory)
    async def find_all(
        self,
        collection: str,
        selector: Mapping[str, Any],
        sort: str = "_id",
        limit: int = 0,
    ) -> list[Document]:
        """A read model's documents, sorted (a limit of 0 means all)."""
        cursor = self.db[collection].find(dict(selector)).sort(sort, 1).limit(limit)
        return [document async for document in cursor]

    async def count(self, collection: str, selector: Mapping[str, Any]) -> int:
        return await self.db[collection].count_documents(dict(selector))

    # --- bookings: what a calendar file needs to know of a meeting's earlier versions ------
    async def booking(self, booking_id: str) -> Document | None:
        return await self.db[BOOKINGS].find_one({"_id": booking_id})

    async def booking_version(
        self,
        booking_id: str,
        event_id: str,
        changes: Mapping[str, Any],
        sequence: int | None = None,
    ) -> Document:
        """Apply one meeting event to the booking and give its version (with ``sequence``).

        The calendar SEQUENCE is scheduling's, carried by the event (``sequence``), so the mailed
        file says what the download says; an older event without it raises the count by one. A
        redelivered event gets the version it got the first time (kept by event id), so its
        calendar file is the same.
        """
        existing = await self.db[BOOKINGS].find_one({"_id": booking_id})
        document, is_new = next_version(existing, booking_id, event_id, changes, sequence)
        if is_new:
            await self.db[BOOKINGS].replace_one({"_id": booking_id}, document, upsert=True)
        return document

    # --- retention: what is long past goes (hoppid.notifications.retention) ---------------
    async def delete_meetings_before(self, before: datetime) -> int:
        """Delete the meetings' versions (bookings) that started before ``before``; how many."""
        result = await self.db[BOOKINGS].delete_many({"start": {"$lt": before}})
        return result.deleted_count

    async def delete_enrolments_before(self, before: datetime) -> int:
        """Delete the enrolments last changed (``as_of``) before ``before``; how many."""
        result = await self.db[ENROLMENTS].delete_many({"as_of": {"$lt": before}})
        return result.deleted_count


def next_version(
    existing: Document | None,
    booking_id: str,
    event_id: str,
    changes: Mapping[str, Any],
    sequence: int | None,
) -> tuple[Document, bool]:
    """The booking as of this event and whether it is new to keep (False: the event was applied
    before, and its version is given again); both repositories' rule."""
    # a list, not a map: an event id is not safe as a field name ("." or "$"); of
    # documents, not pairs: FerretDB 1.24 stores no nested arrays
    versions: list[Document] = list((existing or {}).get("versions", []))
    for version in versions:
        if version["event_id"] == event_id and existing is not None:
            return {**existing, "sequence": version["sequence"]}, False
    if sequence is None:
        sequence = 0 if existing is None else int(existing["sequence"]) + 1
    versions.append({"event_id": event_id, "sequence": sequence})
    document = {**(existing or {}), **changes, "sequence": sequence, "versions": versions}
    document["_id"] = booking_id
    return document, True


def _open_cases(office_id: str) -> Document:
    return {"office_id": office_id, "status": {"$ne": "closed"}}
