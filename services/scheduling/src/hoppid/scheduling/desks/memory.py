"""The desks' repository in memory: the same methods and promises as ``DeskStore`` (one held
booking per desk and half day, changes only while their expectation holds, events written with
their change), for fast tests of the use cases. The contract test
(services/scheduling/tests/contract/test_desk_repository.py) runs the same cases on both."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from hoppid.scheduling.desks.store import HELD, NO_SHOWS_PER_PASS, DeskRepository
from hoppid.shared.envelope import Envelope

Document = dict[str, Any]


class MemoryDeskStore:
    def __init__(self) -> None:
        self.desk_documents: dict[str, Document] = {}
        self.bookings: dict[str, Document] = {}
        self.events: list[Envelope] = []  # every event written, in order (the outbox's)

    # --- desks ---------------------------------------------------------------------------------
    async def insert_desk(self, desk: Document) -> None:
        if desk["_id"] in self.desk_documents:
            raise KeyError(f"desk {desk['_id']} exists")
        self.desk_documents[desk["_id"]] = copy.deepcopy(desk)

    async def desks(self, office_id: str) -> list[Document]:
        found = [d for d in self.desk_documents.values() if d["office_id"] == office_id]
        return copy.deepcopy(sorted(found, key=lambda d: str(d["_id"])))

    async def desk(self, office_id: str, desk_id: str) -> Document | None:
        found = self.desk_documents.get(desk_id)
        return copy.deepcopy(found) if found and found["office_id"] == office_id else None

    async def rename_desk(self, office_id: str, desk_id: str, name: str) -> Document | None:
        return self._update_desk(office_id, desk_id, True, {"name": name})

    async def retire_desk(self, office_id: str, desk_id: str, now: datetime) -> Document | None:
        return self._update_desk(office_id, desk_id, True, {"active": False, "removed_at": now})

    async def restore_desk(self, office_id: str, desk_id: str) -> None:
        self._update_desk(office_id, desk_id, False, {"active": True, "removed_at": None})

    def _update_desk(
        self, office_id: str, desk_id: str, active_only: bool, changes: Document
    ) -> Document | None:
        desk = self.desk_documents.get(desk_id)
        if desk is None or desk["office_id"] != office_id:
            return None
        if active_only and desk.get("active") is False:  # as the store's {"$ne": False}
            return None
        desk.update(copy.deepcopy(changes))
        return copy.deepcopy(desk)

    # --- seat bookings -------------------------------------------------------------------------
    async def held_from(self, desk_id: str, day: str) -> list[Document]:
        found = [
            {key: b[key] for key in ("_id", "day", "half", "status")}
            for b in self.bookings.values()
            if b["desk_id"] == desk_id and b["day"] >= day and b["status"] in HELD
        ]
        return sorted(found, key=lambda b: str(b["day"]))

    async def claimed(self, office_id: str, day: str) -> set[str]:
        return {
            b["claim"]
            for b in self.bookings.values()
            if b["office_id"] == office_id and b["day"] == day
        }

    async def book(self, booking: Document, events: Iterable[Envelope]) -> bool:
        if any(b["claim"] == booking["claim"] for b in self.bookings.values()):
            return False  # the unique claim: the half day is taken
        if booking["_id"] in self.bookings:
            raise KeyError(f"seat booking {booking['_id']} exists")
        self.bookings[booking["_id"]] = copy.deepcopy(booking)
        self.events += list(events)
        return True

    async def booking(self, booking_id: str) -> Document | None:
        return copy.deepcopy(self.bookings.get(booking_id))

    async def of_office(self, office_id: str, day: str) -> list[Document]:
        found = [
            b for b in self.bookings.values() if b["office_id"] == office_id and b["day"] == day
        ]
        return copy.deepcopy(sorted(found, key=lambda b: (str(b["desk_id"]), str(b["half"]))))

    async def check_in(
        self, booking_id: str, now: datetime, events: Iterable[Envelope]
    ) -> Document | None:
        changes = {"status": "checked_in", "checked_in_at": now, "release_at": None}
        return self._change(booking_id, ["booked"], None, changes, events)

    async def release(
        self,
        booking_id: str,
        held: Sequence[str],
        reason: str,
        now: datetime,
        events: Iterable[Envelope],
        due_at: datetime | None = None,
    ) -> Document | None:
        changes = {
            "status": "released",
            "reason": reason,
            "released_at": now,
            "release_at": None,
            "claim": f"released:{booking_id}",
        }
        return self._change(booking_id, held, due_at, changes, events)

    def _change(
        self,
        booking_id: str,
        held: Sequence[str],
        due_at: datetime | None,
        changes: Document,
        events: Iterable[Envelope],
    ) -> Document | None:
        booking = self.bookings.get(booking_id)
        if booking is None or booking["status"] not in held:
            return None
        if due_at is not None and booking.get("release_at") != due_at:
            return None
        booking.update(changes)
        self.events += list(events)
        return copy.deepcopy(booking)

    async def of_person(self, person_id: str) -> list[Document]:
        return copy.deepcopy([b for b in self.bookings.values() if b["person_id"] == person_id])

    async def no_shows(self, now: datetime, office_id: str | None = None) -> list[Document]:
        found = [
            b
            for b in self.bookings.values()
            if b["status"] == "booked"
            and b.get("release_at") is not None
            and b["release_at"] <= now
            and office_id in (None, b["office_id"])
        ]
        return copy.deepcopy(found[:NO_SHOWS_PER_PASS])

    async def anonymise_days_before(self, day: str, now: datetime) -> int:
        changed = 0
        for booking in self.bookings.values():
            if booking["day"] < day and booking["person_id"] is not None:
                booking.update({"person_id": None, "anonymised_at": now})
                changed += 1
        return changed


def _keeps_to_the_protocol(store: MemoryDeskStore) -> DeskRepository:
    return store  # mypy: the memory store has every method of the repository, typed alike
