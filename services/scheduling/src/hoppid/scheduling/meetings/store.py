"""Persistence of meetings: bookings, slot claims, the marks of bookings being written, offers.

No double booking is the store's job, not luck's: a booking first claims every 15-minute cell
its meeting (and buffer) covers, one ``claims`` document per (advisor, cell) under a unique
index, so of two bookings that overlap only one can hold the shared cell. Claims are inserted in
time order, so the one that takes the earliest shared cell wins all of them. A claim whose
booking never got written (a crash in between) or no longer lists it is stale after a grace
period and is removed by the next booking that meets it.

A booking being written is marked (its office, advisor and cells) before its first claim and
unmarked once its document holds the cells and its busy times are written (busy_times.py). The
mark is a small document of ``busy_times`` beside the office's buckets, so a free-slot search
reads the office's busy times and these few marks in one query on ``office_id``, never the
bookings or the whole ``claims`` collection. A mark older than the grace period was left by a
crash: it counts no more, like its claims, and the search that drops it first makes the busy
times agree with the booking document.

Events go out through the outbox of ``bookings`` and ``offers`` (hoppid.shared.outbox). The
service's one store object (hoppid.scheduling.store) is made of this and the other features'.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from hoppid.shared.envelope import Envelope
from hoppid.shared.mongo import IndexSpec
from hoppid.shared.outbox import (
    HIDE_OUTBOX,
    change_with_outbox,
    outbox_fields,
)

Document = dict[str, Any]

BOOKINGS, CLAIMS, OFFERS = "bookings", "claims", "offers"
BUSY = "busy_times"  # what searches read of the booked meetings and of those being written
DUPLICATE_KEY = 11000
ENTRY_FIELDS = {"advisor_id": 1, "start": 1, "cells": 1, "status": 1, "office_id": 1}

INDEXES = [
    IndexSpec(CLAIMS, ["advisor_id", "cell"], unique=True, name="one_claim_per_advisor_cell"),
    IndexSpec(CLAIMS, ["booking_id"]),
    IndexSpec(BUSY, ["office_id"]),  # an office's buckets and marks: what a search reads
    IndexSpec(BUSY, ["booking_id"]),  # a booking's mark, removed once it is written
    IndexSpec(BOOKINGS, ["advisor_id", "status", "start"]),
    IndexSpec(BOOKINGS, ["office_id", "status", "start"]),
    IndexSpec(BOOKINGS, ["office_id", "start"]),
    IndexSpec(BOOKINGS, ["person_id"]),
    IndexSpec(BOOKINGS, ["reminder_at"]),  # meeting reminders falling due
    IndexSpec(OFFERS, ["person_id"]),
    IndexSpec(OFFERS, ["case_id"]),  # a case's municipality, from its offer
]


def claim_id(advisor_id: str, cell: datetime) -> str:
    return f"{advisor_id}@{cell.timestamp():.0f}"


def _claim_document(advisor_id: str, cell: datetime, booking_id: str, now: datetime) -> Document:
    return {
        "_id": claim_id(advisor_id, cell),
        "advisor_id": advisor_id,
        "cell": cell,
        "booking_id": booking_id,
        "at": now,
    }


def pending_mark(
    office_id: str, advisor_id: str, cells: Sequence[datetime], booking_id: str, now: datetime
) -> Document:
    """The mark a booking's claims are made under (see :meth:`MeetingStore.claim`); the
    in-memory repository makes the same."""
    return {
        "_id": f"{booking_id}@{claim_id(advisor_id, min(cells))}",
        "office_id": office_id,
        "advisor_id": advisor_id,
        "booking_id": booking_id,
        "cells": sorted(cells),
        "at": now,
    }


def _first_duplicate(error: BulkWriteError) -> int:
    """The position of the claim an ordered insert stopped at: a cell someone holds already.
    Any other failure is no answer about the cell, so it is raised."""
    first = error.details["writeErrors"][0]
    if first.get("code") != DUPLICATE_KEY:
        raise error
    return int(first["index"])


@dataclass(frozen=True)
class Move:
    """Where a booked meeting moves to: its slot, cells and claims, and its reminders' plan."""

    advisor_id: str
    mode: str
    start: datetime
    end: datetime
    cells: Sequence[datetime]
    claim_ids: Sequence[str]
    join_url: str | None
    reminders: Sequence[str]
    reminder_at: datetime | None


class MeetingStore:
    """The meetings' part of :class:`hoppid.scheduling.store.SchedulingStore` (which makes the
    database, topic and claim grace these methods use)."""

    db: AsyncDatabase[Document]
    topic: str
    # a booking writes its document well within this after its claims; a claim older than
    # this that no booking lists was left by a crash
    claim_grace: timedelta

    # --- slot claims: the store's guarantee against double booking ------------------------------
    async def claim(
        self,
        office_id: str,
        advisor_id: str,
        cells: Sequence[datetime],
        booking_id: str,
        now: datetime,
    ) -> bool:
        """Claim every cell for the booking, earliest first; all or nothing. The booking is
        marked pending first (searches treat its cells as busy, so a race's loser is never
        offered the time it lost) until :meth:`written`; a crash before its busy times are
        written is repaired from the mark."""
        mark = pending_mark(office_id, advisor_id, cells, booking_id, now)
        try:  # a new booking id: an insert, not an upsert that looks first
            await self.db[BUSY].insert_one(mark)
        except DuplicateKeyError:  # left by an attempt of this booking that crashed
            await self.db[BUSY].replace_one({"_id": mark["_id"]}, mark, upsert=True)
        if await self._claim_cells(advisor_id, cells, booking_id, now):
            return True
        await self.db[BUSY].delete_one({"_id": mark["_id"]})
        return False

    async def written(self, booking_id: str) -> None:
        """The booking's document holds its cells now: it is no longer pending."""
        await self.db[BUSY].delete_many({"booking_id": booking_id})

    async def _claim_cells(
        self, advisor_id: str, cells: Sequence[datetime], booking_id: str, now: datetime
    ) -> bool:
        """The cells go in as one ordered insert (one round-trip), which stops at the first cell
        another claim holds; that cell is looked at on its own (this booking's already, or left
        by a crash) and the rest go in after it, still in time order."""
        remaining = sorted(cells)
        inserted: list[str] = []
        while remaining:
            documents = [_claim_document(advisor_id, c, booking_id, now) for c in remaining]
            try:
                await self.db[CLAIMS].insert_many(documents, ordered=True)
                return True
            except BulkWriteError as error:
                held = _first_duplicate(error)
            inserted += [d["_id"] for d in documents[:held]]
            outcome = await self._claim_held(advisor_id, remaining[held], booking_id, now)
            if outcome is None:
                if inserted:  # a loser at its first cell has nothing to take back
                    await self.db[CLAIMS].delete_many(
                        {"_id": {"$in": inserted}, "booking_id": booking_id}
                    )
                return False
            if outcome:
                inserted.append(claim_id(advisor_id, remaining[held]))
            remaining = remaining[held + 1 :]
        return True

    async def _claim_held(
        self, advisor_id: str, cell: datetime, booking_id: str, now: datetime
    ) -> bool | None:
        """A cell whose insert just met another claim. True: claimed now (that claim was stale
        or gone); False: the booking held it already; None: another booking has it."""
        document = _claim_document(advisor_id, cell, booking_id, now)
        for _ in range(2):
            holder = await self.db[CLAIMS].find_one({"_id": document["_id"]})
            if holder is not None and holder["booking_id"] == booking_id:
                return False
            if holder is not None and not await self._stale(holder, now):
                return None
            if holder is not None:
                await self.db[CLAIMS].delete_one(
                    {"_id": holder["_id"], "booking_id": holder["booking_id"]}
                )
            try:
                await self.db[CLAIMS].insert_one(document)
                return True
            except DuplicateKeyError:
                continue
        return None

    async def _stale(self, claim: Document, now: datetime) -> bool:
        """Left by a crash: older than the grace period and listed by no booking. A younger
        one may be a booking being written, so it is not read for."""
        at: datetime = claim["at"]
        if now - at <= self.claim_grace:
            return False
        booking = await self.db[BOOKINGS].find_one({"_id": claim["booking_id"]}, {"claim_ids": 1})
        return booking is None or claim["_id"] not in booking.get("claim_ids", [])

    async def release_claims(self, booking_id: str, keep: Iterable[str] = ()) -> None:
        await self.db[CLAIMS].delete_many({"booking_id": booking_id, "_id": {"$nin": list(keep)}})

    # --- busy times: the view searches read (meetings.busy_times) --------------------------------
    async def busy_documents(self, office_id: str) -> list[Document]:
        """The office's busy-time buckets and the marks of its bookings being written: one
        query."""
        return [found async for found in self.db[BUSY].find({"office_id": office_id})]

    async def drop_marks(self, mark_ids: Iterable[str], older_than: datetime) -> None:
        """Remove these marks of bookings being written, those still older than ``older_than``."""
        await self.db[BUSY].delete_many({"_id": {"$in": list(mark_ids)}, "at": {"$lt": older_than}})

    async def booking_entry_fields(
        self, booking_id: str, office_id: str | None = None
    ) -> Document | None:
        """What a busy-time entry is made of (advisor, start, cells, status, office), of one
        booking (of this office, when given)."""
        where = (
            {"_id": booking_id}
            if office_id is None
            else {"_id": booking_id, "office_id": office_id}
        )
        return await self.db[BOOKINGS].find_one(where, ENTRY_FIELDS)

    async def booked_entry_fields(self, office_id: str, since: datetime) -> list[Document]:
        """The entry fields of the office's booked meetings starting at ``since`` or later."""
        cursor = self.db[BOOKINGS].find(
            {"office_id": office_id, "status": "booked", "start": {"$gte": since}},
            ENTRY_FIELDS,
        )
        return [booking async for booking in cursor]

    async def busy_entry(self, bucket: str, booking_id: str) -> str | None:
        """The booking's entry in its bucket as stored (None: absent)."""
        key = f"busy.{booking_id}"
        found = await self.db[BUSY].find_one({"_id": bucket}, {key: 1})
        value = ((found or {}).get("busy") or {}).get(booking_id)
        return None if value is None else str(value)

    async def write_busy_entry(
        self,
        office_id: str,
        bucket: str,
        booking_id: str,
        wanted: str | None,
        seen: str | None = "",
    ) -> None:
        """Set (or with None remove) the booking's entry in its bucket; with ``seen`` (None:
        absent) only if it still is what was read, so a repair never overwrites a newer
        writer's entry (``""``: whatever it is)."""
        key = f"busy.{booking_id}"
        where: Document = {"_id": bucket}
        if seen != "":
            where[key] = seen if seen is not None else {"$exists": False}
        if wanted is None:
            await self.db[BUSY].update_one(where, {"$unset": {key: ""}})
            return
        update = {"$set": {key: wanted}, "$setOnInsert": {"office_id": office_id}}
        for _ in range(2):  # two first writers of one bucket: one inserts, the other updates
            # a conditional write that no longer holds finds the bucket and inserts it again:
            # that duplicate is its "no"
            with contextlib.suppress(DuplicateKeyError):
                await self.db[BUSY].update_one(where, update, upsert=True)
                return
            if seen != "":
                return

    # --- bookings ------------------------------------------------------------------------------
    async def insert_booking(self, booking: Document, events: Iterable[Envelope]) -> None:
        await self.db[BOOKINGS].insert_one({**booking, **outbox_fields(self.topic, events)})

    async def booking(self, office_id: str, booking_id: str) -> Document | None:
        return await self.db[BOOKINGS].find_one(
            {"_id": booking_id, "office_id": office_id}, HIDE_OUTBOX
        )

    async def update_booking(
        self,
        booking_id: str,
        expect: Mapping[str, Any],
        update: Mapping[str, Any],
        events: Iterable[Envelope],
    ) -> Document | None:
        """Change a booking and write its events, only if ``expect`` still holds (the typed
        changes above all come through here)."""
        selector = {**expect, "_id": booking_id}
        return await change_with_outbox(self.db[BOOKINGS], selector, update, self.topic, events)

    async def move_booking(
        self, booking: Document, to: Move, by: str, now: datetime, events: Iterable[Envelope]
    ) -> Document | None:
        """The booked meeting at its new time (advisor, mode, cells, reminders), its sequence one
        up; only if it is still booked at the time, advisor and sequence it was read with."""
        expect = {
            "status": "booked",
            "start": booking["start"],
            "advisor_id": booking["advisor_id"],
            "sequence": booking.get("sequence"),  # the event's SEQUENCE is the one stored
        }
        update = {
            "$set": {
                **({"join_url": to.join_url} if to.join_url else {}),
                "advisor_id": to.advisor_id,
                "mode": to.mode,
                "start": to.start,
                "reminders": list(to.reminders),
                "reminder_at": to.reminder_at,
                "end": to.end,
                "cells": list(to.cells),
                "claim_ids": list(to.claim_ids),
                "updated_at": now,
            },
            "$inc": {"sequence": 1},
            "$push": {"history": {"status": "rescheduled", "at": now, "by": by}},
        }
        return await self.update_booking(booking["_id"], expect, update, events)

    async def cancel_booking(
        self,
        booking: Document,
        reason: str,
        by: str,
        now: datetime,
        events: Iterable[Envelope],
    ) -> Document | None:
        """The meeting cancelled (no claims, reminders or join link left), its sequence one up;
        only if it is still booked with the sequence it was read with."""
        expect = {"status": "booked", "sequence": booking.get("sequence")}
        update = {
            "$set": {
                "status": "cancelled",
                "claim_ids": [],
                "updated_at": now,
                "reminders": [],
                "reminder_at": None,
            },
            "$unset": {"join_url": ""},  # a cancelled meeting's link is not shown again
            "$inc": {"sequence": 1},
            "$push": {"history": {"status": "cancelled", "reason": reason, "at": now, "by": by}},
        }
        return await self.update_booking(booking["_id"], expect, update, events)

    async def record_outcome(
        self,
        booking_id: str,
        outcome: str,
        by: str,
        now: datetime,
        events: Iterable[Envelope],
    ) -> Document | None:
        """The meeting held or missed (``outcome``), only if it is still booked."""
        update = {
            "$set": {"status": outcome, "updated_at": now},
            "$push": {"history": {"status": outcome, "at": now, "by": by}},
        }
        return await self.update_booking(booking_id, {"status": "booked"}, update, events)

    async def advance_reminders(
        self,
        booking: Document,
        pending: Sequence[str],
        next_at: datetime | None,
        events: Iterable[Envelope],
    ) -> Document | None:
        """The reminders still to send and the time of the next, with the due ones' events;
        only if the booking is still booked and its ``reminder_at`` is the one read (so each
        reminder goes out once)."""
        expect = {"status": "booked", "reminder_at": booking["reminder_at"]}
        update = {"$set": {"reminders": list(pending), "reminder_at": next_at}}
        return await self.update_booking(booking["_id"], expect, update, events)

    async def reminders_due(self, now: datetime, limit: int = 200) -> list[Document]:
        cursor = (
            self.db[BOOKINGS]
            .find({"status": "booked", "reminder_at": {"$lte": now}}, HIDE_OUTBOX)
            .limit(limit)
        )
        return [booking async for booking in cursor]

    async def bookings_of_advisor(self, advisor_id: str, since: datetime) -> list[Document]:
        cursor = (
            self.db[BOOKINGS]
            .find({"advisor_id": advisor_id, "start": {"$gte": since}}, HIDE_OUTBOX)
            .sort("start", ASCENDING)
        )
        return [booking async for booking in cursor]

    async def booked_of_person(self, person_id: str, since: datetime) -> list[Document]:
        cursor = self.db[BOOKINGS].find(
            {"person_id": person_id, "status": "booked", "start": {"$gte": since}}, HIDE_OUTBOX
        )
        return [booking async for booking in cursor]

    async def bookings_of_person(self, person_id: str) -> list[Document]:
        cursor = self.db[BOOKINGS].find({"person_id": person_id}, HIDE_OUTBOX).sort("start", 1)
        return [booking async for booking in cursor]

    async def bookings_of_office(
        self, office_id: str, first: datetime, last: datetime
    ) -> list[Document]:
        cursor = (
            self.db[BOOKINGS]
            .find({"office_id": office_id, "start": {"$gte": first, "$lt": last}}, HIDE_OUTBOX)
            .sort("start", ASCENDING)
        )
        return [booking async for booking in cursor]

    async def anonymise_meetings_before(self, before: datetime, now: datetime) -> int:
        """Meetings that started before ``before`` lose their person and case (retention);
        how many changed now."""
        result = await self.db[BOOKINGS].update_many(
            {"start": {"$lt": before}, "person_id": {"$ne": None}},
            {"$set": {"person_id": None, "case_id": None, "anonymised_at": now}},
        )
        return result.modified_count

    # --- offers: one per case-opened event ------------------------------------------------------
    async def delete_offers_before(self, before: datetime) -> int:
        """Offers made before ``before`` deleted (retention); how many."""
        result = await self.db[OFFERS].delete_many({"created_at": {"$lt": before}})
        return result.deleted_count

    async def offers_of_person(self, person_id: str) -> list[Document]:
        cursor = self.db[OFFERS].find({"person_id": person_id}, HIDE_OUTBOX).sort("created_at", 1)
        return [offer async for offer in cursor]

    async def case_owner(self, case_id: str) -> tuple[str, str] | None:
        """The office and person of a case, from its case.opened; None when unseen."""
        offer = await self.db[OFFERS].find_one(
            {"case_id": case_id}, {"office_id": 1, "person_id": 1}
        )
        return None if offer is None else (str(offer["office_id"]), str(offer["person_id"]))

    async def case_offer(self, case_id: str) -> Document | None:
        """The newest offer of a case (its office, person, mode, language and the advisor intake
        last assigned, ``case_advisor_id``); None when scheduling has not seen the case."""
        cursor = self.db[OFFERS].find({"case_id": case_id}, HIDE_OUTBOX).sort("created_at", -1)
        found = await cursor.to_list(1)
        return found[0] if found else None

    async def assign_case_advisor(self, case_id: str, advisor_id: str) -> None:
        """intake's advisor of the case, on its offers (the newest assignment comes last: one
        case's events keep their order on intake's topic)."""
        await self.db[OFFERS].update_many(
            {"case_id": case_id}, {"$set": {"case_advisor_id": advisor_id}}
        )

    async def offices_of_person(self, person_id: str) -> set[str]:
        """The offices of the person's cases scheduling has seen (none: no case seen yet)."""
        cursor = self.db[OFFERS].find({"person_id": person_id}, {"office_id": 1})
        return {str(offer["office_id"]) async for offer in cursor}

    async def case_municipality(self, case_id: str | None, person_id: str) -> str | None:
        """The municipality of the case (from its case.opened), else of the person's latest
        case; None when scheduling has seen no case of theirs (or only older offers)."""
        where = {"case_id": case_id} if case_id else {"person_id": person_id}
        cursor = self.db[OFFERS].find(where, {"municipality": 1}).sort("created_at", -1)
        for offer in await cursor.to_list(20):
            if offer.get("municipality"):
                return str(offer["municipality"])
        return None

    async def insert_offer(self, offer: Document, events: Iterable[Envelope]) -> bool:
        """False when this event's offer exists already (the event came again)."""
        try:
            await self.db[OFFERS].insert_one({**offer, **outbox_fields(self.topic, events)})
            return True
        except DuplicateKeyError:
            return False
