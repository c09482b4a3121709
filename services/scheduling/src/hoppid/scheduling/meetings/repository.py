"""What the meetings' use cases and handlers ask of their store, as two Protocols:
:class:`BusyTimeStore` (the view a free-slot search reads, meetings.busy_times) and
:class:`MeetingRepository` (slot claims, bookings, offers, and the busy times).

Both are kept by ``MeetingStore`` (meetings.store, part of the service's store) on MongoDB and
by ``MemoryMeetings`` (meetings.memory) for fast tests of the use cases. Either refuses a cell
another booking holds (a claim younger than the grace period, or one its booking lists), changes
a booking only while what it was read with still holds, writes a change's events with it, and
keeps one offer per case-opened event. The contract test
(services/scheduling/tests/contract/test_meeting_repository.py) runs the same cases on both.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from hoppid.scheduling.meetings.store import Move
from hoppid.shared.envelope import Envelope

Document = dict[str, Any]


class BusyTimeStore(Protocol):
    """The busy-time buckets and the marks of bookings being written (see meetings.store)."""

    async def busy_documents(self, office_id: str) -> list[Document]: ...
    async def drop_marks(self, mark_ids: Iterable[str], older_than: datetime) -> None: ...
    async def booking_entry_fields(
        self, booking_id: str, office_id: str | None = None
    ) -> Document | None: ...
    async def booked_entry_fields(self, office_id: str, since: datetime) -> list[Document]: ...
    async def busy_entry(self, bucket: str, booking_id: str) -> str | None: ...
    async def write_busy_entry(
        self,
        office_id: str,
        bucket: str,
        booking_id: str,
        wanted: str | None,
        seen: str | None = "",
    ) -> None: ...


class MeetingRepository(BusyTimeStore, Protocol):
    """Claims, bookings and offers. Reads leave the outbox out; a change returns the booking as
    it is after, or None when it no longer was as expected (and then writes no event)."""

    # slot claims: the guard against double booking
    async def claim(
        self,
        office_id: str,
        advisor_id: str,
        cells: Sequence[datetime],
        booking_id: str,
        now: datetime,
    ) -> bool: ...
    async def written(self, booking_id: str) -> None: ...
    async def release_claims(self, booking_id: str, keep: Iterable[str] = ()) -> None: ...

    # bookings
    async def insert_booking(self, booking: Document, events: Iterable[Envelope]) -> None: ...
    async def booking(self, office_id: str, booking_id: str) -> Document | None: ...
    async def move_booking(
        self, booking: Document, to: Move, by: str, now: datetime, events: Iterable[Envelope]
    ) -> Document | None: ...
    async def cancel_booking(
        self,
        booking: Document,
        reason: str,
        by: str,
        now: datetime,
        events: Iterable[Envelope],
    ) -> Document | None: ...
    async def record_outcome(
        self,
        booking_id: str,
        outcome: str,
        by: str,
        now: datetime,
        events: Iterable[Envelope],
    ) -> Document | None: ...
    async def advance_reminders(
        self,
        booking: Document,
        pending: Sequence[str],
        next_at: datetime | None,
        events: Iterable[Envelope],
    ) -> Document | None: ...
    async def reminders_due(self, now: datetime, limit: int = 200) -> list[Document]: ...
    async def bookings_of_advisor(self, advisor_id: str, since: datetime) -> list[Document]: ...
    async def booked_of_person(self, person_id: str, since: datetime) -> list[Document]: ...
    async def bookings_of_person(self, person_id: str) -> list[Document]: ...
    async def bookings_of_office(
        self, office_id: str, first: datetime, last: datetime
    ) -> list[Document]: ...
    # retention (hoppid.scheduling.retention): how many changed, how many deleted
    async def anonymise_meetings_before(self, before: datetime, now: datetime) -> int: ...
    async def delete_offers_before(self, before: datetime) -> int: ...

    # offers: one per case-opened event; whose case is where (hoppid.scheduling.ownership)
    async def insert_offer(self, offer: Document, events: Iterable[Envelope]) -> bool: ...
    async def offers_of_person(self, person_id: str) -> list[Document]: ...
    async def case_owner(self, case_id: str) -> tuple[str, str] | None: ...
    async def case_offer(self, case_id: str) -> Document | None: ...
    async def assign_case_advisor(self, case_id: str, advisor_id: str) -> None: ...
    async def offices_of_person(self, person_id: str) -> set[str]: ...
    async def case_municipality(self, case_id: str | None, person_id: str) -> str | None: ...
