"""The meetings' repository in memory: the same methods and promises as ``MeetingStore``, for
fast tests of the use cases and handlers. A cell held by another booking's claim is refused
(unless that claim is stale: past the grace period and listed by no booking), a booking changes
only while what it was read with still holds, events are written with their change, and an
offer is kept once per case-opened event. The contract test
(services/scheduling/tests/contract/test_meeting_repository.py) runs the same cases on both."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from hoppid.scheduling.meetings.repository import MeetingRepository
from hoppid.scheduling.meetings.store import ENTRY_FIELDS, Move, claim_id, pending_mark
from hoppid.shared.envelope import Envelope

Document = dict[str, Any]


def _entry_fields(booking: Document) -> Document:
    return {k: copy.deepcopy(v) for k, v in booking.items() if k == "_id" or k in ENTRY_FIELDS}


def _by_start(bookings: Iterable[Document]) -> list[Document]:
    return copy.deepcopy(sorted(bookings, key=lambda b: b["start"]))


class MemoryMeetings:
    def __init__(self, claim_grace: timedelta = timedelta(seconds=60)) -> None:
        self.claim_grace = claim_grace
        self.claims: dict[str, Document] = {}  # by claim id: one per (advisor, cell)
        self.busy: dict[str, Document] = {}  # buckets and marks, by id
        self.bookings: dict[str, Document] = {}
        self.offers: dict[str, Document] = {}
        self.events: list[Envelope] = []  # every event written, in order (the outboxes')

    # --- slot claims ---------------------------------------------------------------------------
    async def claim(
        self,
        office_id: str,
        advisor_id: str,
        cells: Sequence[datetime],
        booking_id: str,
        now: datetime,
    ) -> bool:
        mark = pending_mark(office_id, advisor_id, cells, booking_id, now)
        self.busy[mark["_id"]] = mark
        inserted: list[str] = []
        for cell in sorted(cells):  # earliest first, as the store's ordered insert
            key = claim_id(advisor_id, cell)
            holder = self.claims.get(key)
            if holder is not None and holder["booking_id"] == booking_id:
                continue  # held already by this booking
            if holder is not None and not self._stale(holder, now):
                for taken in inserted:  # all or nothing
                    self.claims.pop(taken, None)
                del self.busy[mark["_id"]]
                return False
            self.claims[key] = {
                "_id": key,
                "advisor_id": advisor_id,
                "cell": cell,
                "booking_id": booking_id,
                "at": now,
            }
            inserted.append(key)
        return True

    def _stale(self, claim: Document, now: datetime) -> bool:
        if now - claim["at"] <= self.claim_grace:
            return False
        booking = self.bookings.get(claim["booking_id"])
        return booking is None or claim["_id"] not in booking.get("claim_ids", [])

    async def written(self, booking_id: str) -> None:
        for key in [k for k, d in self.busy.items() if d.get("booking_id") == booking_id]:
            del self.busy[key]

    async def release_claims(self, booking_id: str, keep: Iterable[str] = ()) -> None:
        kept = set(keep)
        for key, claim in list(self.claims.items()):
            if claim["booking_id"] == booking_id and key not in kept:
                del self.claims[key]

    # --- busy times ----------------------------------------------------------------------------
    async def busy_documents(self, office_id: str) -> list[Document]:
        return copy.deepcopy([d for d in self.busy.values() if d.get("office_id") == office_id])

    async def drop_marks(self, mark_ids: Iterable[str], older_than: datetime) -> None:
        for key in mark_ids:
            found = self.busy.get(key)
            if found is not None and found.get("at") is not None and found["at"] < older_than:
                del self.busy[key]

    async def booking_entry_fields(
        self, booking_id: str, office_id: str | None = None
    ) -> Document | None:
        found = self.bookings.get(booking_id)
        if found is None or (office_id is not None and found.get("office_id") != office_id):
            return None
        return _entry_fields(found)

    async def booked_entry_fields(self, office_id: str, since: datetime) -> list[Document]:
        return [
            _entry_fields(b)
            for b in self.bookings.values()
            if b.get("office_id") == office_id
            and b.get("status") == "booked"
            and b["start"] >= since
        ]

    async def busy_entry(self, bucket: str, booking_id: str) -> str | None:
        value = (self.busy.get(bucket, {}).get("busy") or {}).get(booking_id)
        return None if value is None else str(value)

    async def write_busy_entry(
        self,
        office_id: str,
        bucket: str,
        booking_id: str,
        wanted: str | None,
        seen: str | None = "",
    ) -> None:
        found = self.busy.get(bucket)
        if found is not None and seen != "" and found.get("busy", {}).get(booking_id) != seen:
            return  # changed since it was read: a repair never overwrites a newer writer
        if wanted is None:
            if found is not None:
                found.get("busy", {}).pop(booking_id, None)
            return
        if found is None:  # the store's upsert: the bucket made with its office
            found = self.busy[bucket] = {"_id": bucket, "office_id": office_id}
        found.setdefault("busy", {})[booking_id] = wanted

    # --- bookings ------------------------------------------------------------------------------
    async def insert_booking(self, booking: Document, events: Iterable[Envelope]) -> None:
        if booking["_id"] in self.bookings:
            raise KeyError(f"booking {booking['_id']} exists")
        self.bookings[booking["_id"]] = copy.deepcopy(booking)
        self.events += list(events)

    async def booking(self, office_id: str, booking_id: str) -> Document | None:
        found = self.bookings.get(booking_id)
        return copy.deepcopy(found) if found and found["office_id"] == office_id else None

    def _change(
        self,
        booking_id: str,
        expect: Mapping[str, Any],
        change: Callable[[Document], None],
        events: Iterable[Envelope],
    ) -> Document | None:
        """The store's conditional update: only while ``expect`` holds (a field absent counts
        as None, as a selector's null does), with its events."""
        found = self.bookings.get(booking_id)
        if found is None or any(found.get(k) != v for k, v in expect.items()):
            return None
        change(found)
        self.events += list(events)
        return copy.deepcopy(found)

    async def move_booking(
        self, booking: Document, to: Move, by: str, now: datetime, events: Iterable[Envelope]
    ) -> Document | None:
        expect = {
            "status": "booked",
            "start": booking["start"],
            "advisor_id": booking["advisor_id"],
            "sequence": booking.get("sequence"),
        }

        def move(found: Document) -> None:
            if to.join_url:
                found["join_url"] = to.join_url
            found.update(
                advisor_id=to.advisor_id,
                mode=to.mode,
                start=to.start,
                reminders=list(to.reminders),
                reminder_at=to.reminder_at,
                end=to.end,
                cells=list(to.cells),
                claim_ids=list(to.claim_ids),
                updated_at=now,
                sequence=(found.get("sequence") or 0) + 1,
            )
            found.setdefault("history", []).append({"status": "rescheduled", "at": now, "by": by})

        return self._change(booking["_id"], expect, move, events)

    async def cancel_booking(
        self,
        booking: Document,
        reason: str,
        by: str,
        now: datetime,
        events: Iterable[Envelope],
    ) -> Document | None:
        expect = {"status": "booked", "sequence": booking.get("sequence")}

        def cancel(found: Document) -> None:
            found.update(
                status="cancelled",
                claim_ids=[],
                updated_at=now,
                reminders=[],
                reminder_at=None,
                sequence=(found.get("sequence") or 0) + 1,
            )
            found.pop("join_url", None)
            entry = {"status": "cancelled", "reason": reason, "at": now, "by": by}
            found.setdefault("history", []).append(entry)

        return self._change(booking["_id"], expect, cancel, events)

    async def record_outcome(
        self,
        booking_id: str,
        outcome: str,
        by: str,
        now: datetime,
        events: Iterable[Envelope],
    ) -> Document | None:
        def record(found: Document) -> None:
            found.update(status=outcome, updated_at=now)
            found.setdefault("history", []).append({"status": outcome, "at": now, "by": by})

        return self._change(booking_id, {"status": "booked"}, record, events)

    async def advance_reminders(
        self,
        booking: Document,
        pending: Sequence[str],
        next_at: datetime | None,
        events: Iterable[Envelope],
    ) -> Document | None:
        expect = {"status": "booked", "reminder_at": booking["reminder_at"]}

        def advance(found: Document) -> None:
            found.update(reminders=list(pending), reminder_at=next_at)

        return self._change(booking["_id"], expect, advance, events)

    async def reminders_due(self, now: datetime, limit: int = 200) -> list[Document]:
        due = [
            b
            for b in self.bookings.values()
            if b.get("status") == "booked"
            and b.get("reminder_at") is not None
            and b["reminder_at"] <= now
        ]
        return copy.deepcopy(due[:limit])

    async def bookings_of_advisor(self, advisor_id: str, since: datetime) -> list[Document]:
        return _by_start(
            b
            for b in self.bookings.values()
            if b.get("advisor_id") == advisor_id and b["start"] >= since
        )

    async def booked_of_person(self, person_id: str, since: datetime) -> list[Document]:
        return copy.deepcopy(
            [
                b
                for b in self.bookings.values()
                if b.get("person_id") == person_id
                and b.get("status") == "booked"
                and b["start"] >= since
            ]
        )

    async def bookings_of_person(self, person_id: str) -> list[Document]:
        return _by_start(b for b in self.bookings.values() if b.get("person_id") == person_id)

    async def bookings_of_office(
        self, office_id: str, first: datetime, last: datetime
    ) -> list[Document]:
        return _by_start(
            b
            for b in self.bookings.values()
            if b.get("office_id") == office_id and first <= b["start"] < last
        )

    async def anonymise_meetings_before(self, before: datetime, now: datetime) -> int:
        # as the store's filter: only those still naming a person count as changed
        past = [
            b
            for b in self.bookings.values()
            if b["start"] < before and b.get("person_id") is not None
        ]
        for b in past:
            b.update(person_id=None, case_id=None, anonymised_at=now)
        return len(past)

    # --- offers --------------------------------------------------------------------------------
    async def delete_offers_before(self, before: datetime) -> int:
        old = [k for k, o in self.offers.items() if o["created_at"] < before]
        for key in old:
            del self.offers[key]
        return len(old)

    async def insert_offer(self, offer: Document, events: Iterable[Envelope]) -> bool:
        if offer["_id"] in self.offers:
            return False  # the event came again
        self.offers[offer["_id"]] = copy.deepcopy(offer)
        self.events += list(events)
        return True

    def _offers(self, **where: Any) -> list[Document]:
        found = [o for o in self.offers.values() if all(o.get(k) == v for k, v in where.items())]
        return sorted(found, key=lambda o: o["created_at"])

    async def offers_of_person(self, person_id: str) -> list[Document]:
        return copy.deepcopy(self._offers(person_id=person_id))

    async def case_owner(self, case_id: str) -> tuple[str, str] | None:
        offers = self._offers(case_id=case_id)
        return (str(offers[0]["office_id"]), str(offers[0]["person_id"])) if offers else None

    async def case_offer(self, case_id: str) -> Document | None:
        offers = self._offers(case_id=case_id)
        return copy.deepcopy(offers[-1]) if offers else None

    async def assign_case_advisor(self, case_id: str, advisor_id: str) -> None:
        for offer in self._offers(case_id=case_id):
            offer["case_advisor_id"] = advisor_id

    async def offices_of_person(self, person_id: str) -> set[str]:
        return {str(o["office_id"]) for o in self._offers(person_id=person_id)}

    async def case_municipality(self, case_id: str | None, person_id: str) -> str | None:
        where = {"case_id": case_id} if case_id else {"person_id": person_id}
        for offer in reversed(self._offers(**where)[-20:]):
            if offer.get("municipality"):
                return str(offer["municipality"])
        return None


def _keeps_to_the_protocol(store: MemoryMeetings) -> MeetingRepository:
    return store  # mypy: the memory store has every method of the repository, typed alike
