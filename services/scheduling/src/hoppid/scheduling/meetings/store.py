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

from collections.abc import Iterable, Mapping, Sequence
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


def _first_duplicate(error: BulkWriteError) -> int:
    """The position of the claim an ordered insert stopped at: a cell someone holds already.
    Any other failure is no answer about the cell, so it is raised."""
    first = error.details["writeErrors"][0]
    if first.get("code") != DUPLICATE_KEY:
        raise error
    return int(first["index"])


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
        mark = {
            "_id": f"{booking_id}@{claim_id(advisor_id, min(cells))}",
            "office_id": office_id,
            "advisor_id": advisor_id,
            "booking_id": booking_id,
            "cells": sorted(cells),
            "at": now,
        }
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
        """Change a booking and write its events, only if ``expect`` still holds."""
        selector = {**expect, "_id": booking_id}
        return await change_with_outbox(self.db[BOOKINGS], selector, update, self.topic, events)

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

    # --- offers: one per case-opened event ------------------------------------------------------
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
