"""Persistence of office seats (desks) and their half-day bookings.

One seat booking is one half day of one desk (a whole day is two). No desk is booked twice: a
booking's ``claim`` is ``desk@day@half`` under a unique index, so of racing bookings only one
insert succeeds. Ending a booking (cancelled, a no-show released) rewrites its claim to
``released:<booking id>``, which frees ``desk@day@half`` for the next booking in the same
conditional update that writes the ``seat.released`` event (no partial index needed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from hoppid.shared.envelope import Envelope
from hoppid.shared.mongo import IndexSpec
from hoppid.shared.outbox import (
    HIDE_OUTBOX,
    change_with_outbox,
    outbox_fields,
    outbox_indexes,
)

Document = dict[str, Any]

DESKS, SEAT_BOOKINGS = "desks", "seat_bookings"
INDEXES = [
    IndexSpec(DESKS, ["office_id"]),
    IndexSpec(SEAT_BOOKINGS, ["claim"], unique=True, name="one_booking_per_desk_half_day"),
    IndexSpec(SEAT_BOOKINGS, ["office_id", "day"]),
    IndexSpec(SEAT_BOOKINGS, ["status", "release_at"]),
    IndexSpec(SEAT_BOOKINGS, ["person_id"]),  # an erased person's bookings
    IndexSpec(SEAT_BOOKINGS, ["desk_id", "day"]),  # a desk's bookings to come, before removal
    *outbox_indexes([SEAT_BOOKINGS]),
]


HELD = ["booked", "checked_in"]  # a seat booking not ended
NO_SHOWS_PER_PASS = 500
ACTIVE = {"active": {"$ne": False}}  # desks stored before the field count as active


def claim_of(desk_id: str, day: str, half: str) -> str:
    return f"{desk_id}@{day}@{half}"


class DeskRepository(Protocol):
    """What the desks' use cases ask of their store: :class:`DeskStore` on MongoDB, and
    :class:`hoppid.scheduling.desks.memory.MemoryDeskStore` for fast tests of the use cases.
    Either keeps a desk's half day to one held booking (the claim) and writes a booking's
    events with its change."""

    async def insert_desk(self, desk: Document) -> None: ...
    async def desks(self, office_id: str) -> list[Document]: ...
    async def desk(self, office_id: str, desk_id: str) -> Document | None: ...
    async def rename_desk(self, office_id: str, desk_id: str, name: str) -> Document | None: ...
    async def retire_desk(self, office_id: str, desk_id: str, now: datetime) -> Document | None: ...
    async def restore_desk(self, office_id: str, desk_id: str) -> None: ...
    async def held_from(self, desk_id: str, day: str) -> list[Document]: ...
    async def claimed(self, office_id: str, day: str) -> set[str]: ...
    async def book(self, booking: Document, events: Iterable[Envelope]) -> bool: ...
    async def booking(self, booking_id: str) -> Document | None: ...
    async def of_office(self, office_id: str, day: str) -> list[Document]: ...
    async def check_in(
        self, booking_id: str, now: datetime, events: Iterable[Envelope]
    ) -> Document | None: ...
    async def release(
        self,
        booking_id: str,
        held: Sequence[str],
        reason: str,
        now: datetime,
        events: Iterable[Envelope],
        due_at: datetime | None = None,
    ) -> Document | None: ...
    async def of_person(self, person_id: str) -> list[Document]: ...
    async def no_shows(self, now: datetime, office_id: str | None = None) -> list[Document]: ...
    async def anonymise_days_before(self, day: str, now: datetime) -> int: ...


class DeskStore:
    def __init__(self, database: AsyncDatabase[Document], topic: str):
        self.db = database
        self.topic = topic

    async def insert_desk(self, desk: Document) -> None:
        await self.db[DESKS].insert_one(desk)

    async def desks(self, office_id: str) -> list[Document]:
        cursor = self.db[DESKS].find({"office_id": office_id}).sort("_id", ASCENDING)
        return [desk async for desk in cursor]

    async def desk(self, office_id: str, desk_id: str) -> Document | None:
        return await self.db[DESKS].find_one({"_id": desk_id, "office_id": office_id})

    async def rename_desk(self, office_id: str, desk_id: str, name: str) -> Document | None:
        """A new name for the office's desk, unless it is removed; the desk after (None: no
        such desk in use)."""
        return await self._update_desk(office_id, desk_id, ACTIVE, {"name": name})

    async def retire_desk(self, office_id: str, desk_id: str, now: datetime) -> Document | None:
        """The office's desk removed (kept, inactive); None when there is no such desk in use."""
        changes = {"active": False, "removed_at": now}
        return await self._update_desk(office_id, desk_id, ACTIVE, changes)

    async def restore_desk(self, office_id: str, desk_id: str) -> None:
        """A removal undone (the desk turned out to have bookings to come)."""
        await self._update_desk(office_id, desk_id, {}, {"active": True, "removed_at": None})

    async def _update_desk(
        self, office_id: str, desk_id: str, expect: Mapping[str, Any], changes: Mapping[str, Any]
    ) -> Document | None:
        """Set ``changes`` on the office's desk if ``expect`` still holds; the desk after."""
        return await self.db[DESKS].find_one_and_update(
            {**expect, "_id": desk_id, "office_id": office_id},
            {"$set": dict(changes)},
            return_document=ReturnDocument.AFTER,
        )

    async def held_from(self, desk_id: str, day: str) -> list[Document]:
        """The desk's seat bookings still held (booked or checked in) on ``day`` or later, by
        day (at most 92 days ahead: two halves a day, a few hundred documents at most)."""
        where = {"desk_id": desk_id, "day": {"$gte": day}, "status": {"$in": HELD}}
        fields = {"day": 1, "half": 1, "status": 1}
        cursor = self.db[SEAT_BOOKINGS].find(where, fields).sort("day", ASCENDING)
        return [booking async for booking in cursor]

    async def claimed(self, office_id: str, day: str) -> set[str]:
        cursor = self.db[SEAT_BOOKINGS].find({"office_id": office_id, "day": day}, {"claim": 1})
        return {booking["claim"] async for booking in cursor}

    async def book(self, booking: Document, events: Iterable[Envelope]) -> bool:
        """False when the desk's half day is taken (the unique claim)."""
        try:
            document = {**booking, **outbox_fields(self.topic, events)}
            await self.db[SEAT_BOOKINGS].insert_one(document)
            return True
        except DuplicateKeyError:
            return False

    async def booking(self, booking_id: str) -> Document | None:
        return await self.db[SEAT_BOOKINGS].find_one({"_id": booking_id}, HIDE_OUTBOX)

    async def of_office(self, office_id: str, day: str) -> list[Document]:
        cursor = (
            self.db[SEAT_BOOKINGS]
            .find({"office_id": office_id, "day": day}, HIDE_OUTBOX)
            .sort([("desk_id", ASCENDING), ("half", ASCENDING)])
        )
        return [booking async for booking in cursor]

    async def check_in(
        self, booking_id: str, now: datetime, events: Iterable[Envelope]
    ) -> Document | None:
        """The booking checked in (no release due any more), only if it is still booked."""
        update = {"$set": {"status": "checked_in", "checked_in_at": now, "release_at": None}}
        return await self._change(booking_id, {"status": "booked"}, update, events)

    async def release(
        self,
        booking_id: str,
        held: Sequence[str],
        reason: str,
        now: datetime,
        events: Iterable[Envelope],
        due_at: datetime | None = None,
    ) -> Document | None:
        """The booking ended (cancelled, or a no-show released), its desk's half day free for the
        next booking; only if its status is still one of ``held`` (and, with ``due_at``, its
        release is still due then: a no-show is released once)."""
        expect: Document = {"status": held[0] if len(held) == 1 else {"$in": list(held)}}
        if due_at is not None:
            expect["release_at"] = due_at
        update = {
            "$set": {
                "status": "released",
                "reason": reason,
                "released_at": now,
                "release_at": None,
                "claim": f"released:{booking_id}",  # frees desk@day@half for the next booking
            }
        }
        return await self._change(booking_id, expect, update, events)

    async def _change(
        self,
        booking_id: str,
        expect: Mapping[str, Any],
        update: Mapping[str, Any],
        events: Iterable[Envelope],
    ) -> Document | None:
        """Change a booking with its events, only if ``expect`` still holds."""
        selector = {**expect, "_id": booking_id}
        return await change_with_outbox(
            self.db[SEAT_BOOKINGS], selector, update, self.topic, events
        )

    async def of_person(self, person_id: str) -> list[Document]:
        cursor = self.db[SEAT_BOOKINGS].find({"person_id": person_id}, HIDE_OUTBOX)
        return [booking async for booking in cursor]

    async def no_shows(self, now: datetime, office_id: str | None = None) -> list[Document]:
        """Booked (not checked in) bookings whose release time has come, at most 500."""
        query: Document = {"status": "booked", "release_at": {"$lte": now}}
        if office_id is not None:
            query["office_id"] = office_id
        cursor = self.db[SEAT_BOOKINGS].find(query, HIDE_OUTBOX).limit(NO_SHOWS_PER_PASS)
        return [booking async for booking in cursor]

    async def anonymise_days_before(self, day: str, now: datetime) -> int:
        """Seat bookings of days before ``day`` (ISO) lose their person (retention); how many
        changed now."""
        result = await self.db[SEAT_BOOKINGS].update_many(
            {"day": {"$lt": day}, "person_id": {"$ne": None}},
            {"$set": {"person_id": None, "anonymised_at": now}},
        )
        return result.modified_count
