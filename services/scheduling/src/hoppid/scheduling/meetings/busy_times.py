"""Busy times: the small view of the booked meetings that a free-slot search reads.

A search needs of each upcoming booked meeting only its advisor, start and cells. Reading the
bookings themselves costs what their whole documents cost: FerretDB 1.24 fetches and decodes
every matching document whole (history, reminders, outbox...), 110 ms and more for an office's
400 upcoming meetings however well indexed. So each office keeps its upcoming booked meetings
in ``BUCKETS`` documents of ``busy_times`` (``_id`` ``<office>#<n>``, ``n`` from the booking
id), one short string per meeting under ``busy.<booking id>``:
``"<advisor id> <start> <cell> <cell> ..."`` (UTC epoch seconds). A search reads those few
documents by ``office_id``.

The bookings stay the truth and the claims stay the guard against double booking: this view
only decides which times a search shows. A meeting's entry is set after its booking document is
written (booked or moved) and removed after it is cancelled; every change is one conditional
update of one document. A time shown free that a booking holds (a crash between the booking and
its entry) is refused at the claim with 409, as any race loser is; it is never double-booked.

Bookings being written (between their first claim and their entry) are marked by small
documents of the same collection (meetings.store.MeetingStore.claim: ``office_id``, ``booking_id``,
``advisor_id``, ``cells``, ``at``), so one query on ``office_id`` reads the buckets and the marks
together. A booking sets its entry before it removes its mark, so a booking being finished
shows as one or the other to a read that sees one moment (the local store's one SQL statement
does; MongoDB may yield within a query, rarely within a few small documents). Were both missed,
its time would be shown free and refused at the claim (409), never booked twice.

Repair: a writer that crashed between a booking's document and its entry left its mark; the
search that finds the mark past the grace period makes the entry agree with the booking
document before it drops the mark. A starting instance does the same for every
upcoming booked meeting of each office (a crash is followed by a start). Entries of meetings
that began more than ``KEEP`` ago are removed by the search that meets them.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hoppid.scheduling.meetings.repository import BusyTimeStore

Document = dict[str, Any]

BUCKETS = 16  # per office: a handful of small reads; concurrent writers rarely meet in one
KEEP = timedelta(days=2)  # a search reads busy cells from a day before its first day


@dataclass(frozen=True)
class Meeting:
    """An upcoming booked meeting, as a search sees it: times in UTC epoch seconds, its cells
    turned into datetimes only when the search needs them."""

    booking_id: str
    advisor_id: str
    start: int
    cell_text: str  # "<cell> <cell> ..."

    def cells(self) -> list[datetime]:
        return [datetime.fromtimestamp(int(t), UTC) for t in self.cell_text.split()]


def bucket_id(office_id: str, booking_id: str) -> str:
    return f"{office_id}#{zlib.crc32(booking_id.encode()) % BUCKETS}"


def _epochs(times: Iterable[datetime]) -> list[str]:
    return [str(int(t.timestamp())) for t in times]


def entry(booking: Document | None) -> str | None:
    """The entry a booking document calls for: None unless it is booked."""
    if booking is None or booking.get("status") != "booked":
        return None
    return " ".join(
        [booking["advisor_id"], *_epochs([booking["start"], *booking.get("cells", [])])]
    )


def meeting(booking_id: str, value: str) -> Meeting:
    advisor_id, start, *cells = value.split(" ", 2)
    return Meeting(booking_id, advisor_id, int(start), cells[0] if cells else "")


class BusyTimes:
    """The view's rules over the meetings' store (its busy-time methods: ``BusyTimeStore``)."""

    def __init__(self, store: BusyTimeStore, claim_grace: timedelta) -> None:
        self.store = store
        self.claim_grace = claim_grace

    async def record(self, booking: Document, changed: bool = True) -> None:
        """Make the meeting's entry what its (just written) document says. A change of an
        existing booking may race another change of it (moved here, cancelled there), and the
        two entries may land in the other order: so the document is read again afterwards, and
        an entry it no longer calls for is replaced, only if it is still the one written here.
        The later of two such reads sees both changes, so the entry ends as the document."""
        office_id, booking_id, written = booking["office_id"], booking["_id"], entry(booking)
        await self._write(office_id, booking_id, written)
        if changed:
            now = await self.store.booking_entry_fields(booking_id)
            await self._write(office_id, booking_id, entry(now), written)

    async def meetings(self, office_id: str, now: datetime) -> tuple[list[Meeting], list[Meeting]]:
        """The office's booked meetings from ``KEEP`` before ``now``, and those being written
        (marked within the grace period). Marks past the grace period were left by a crash:
        their entries are repaired, then the marks are dropped. Buckets and marks come in one
        read (a booking sets its entry before it drops its mark)."""
        entries: dict[str, str] = {}
        marks: list[Document] = []
        for found in await self.store.busy_documents(office_id):
            if "booking_id" in found:
                marks.append(found)
            else:
                entries.update(found.get("busy") or {})
        expired = [m for m in marks if now - m["at"] > self.claim_grace]
        if expired:
            await self._repair(office_id, {m["booking_id"] for m in expired})
            await self.store.drop_marks([m["_id"] for m in expired], now - self.claim_grace)
            entries = await self._entries(office_id)  # as repaired (after a crash only)
        writing = [
            meeting(m["booking_id"], " ".join([m["advisor_id"], *_epochs(m["cells"])]))
            for m in marks
            if now - m["at"] <= self.claim_grace and m["cells"]
        ]
        return await self._booked(office_id, now, entries), writing

    async def reconcile(self, office_id: str, now: datetime) -> None:
        """Every entry of the office agrees with its booking document (at a start)."""
        seen = await self._entries(office_id)  # first: an entry is set after its booking
        booked = await self.store.booked_entry_fields(office_id, now - KEEP)
        wanted = {booking["_id"]: entry(booking) for booking in booked}
        for booking_id in seen.keys() | wanted.keys():
            await self._write(office_id, booking_id, wanted.get(booking_id), seen.get(booking_id))

    async def _booked(
        self, office_id: str, now: datetime, entries: dict[str, str] | None = None
    ) -> list[Meeting]:
        """The meetings of the entries (read here when not given); past ones are removed."""
        if entries is None:
            entries = await self._entries(office_id)
        found, past = [], dict[str, str]()
        for booking_id, value in entries.items():
            one = meeting(booking_id, value)
            if one.start < (now - KEEP).timestamp():
                past[booking_id] = value
            else:
                found.append(one)
        for booking_id, value in past.items():
            await self._write(office_id, booking_id, None, value)
        return found

    async def _entries(self, office_id: str) -> dict[str, str]:
        entries: dict[str, str] = {}
        for bucket in await self.store.busy_documents(office_id):
            entries.update(bucket.get("busy") or {})  # a mark has none
        return entries

    async def _repair(self, office_id: str, booking_ids: Iterable[str]) -> None:
        for booking_id in booking_ids:
            seen = await self.store.busy_entry(bucket_id(office_id, booking_id), booking_id)
            booking = await self.store.booking_entry_fields(booking_id, office_id)
            await self._write(office_id, booking_id, entry(booking), seen)

    async def _write(
        self, office_id: str, booking_id: str, wanted: str | None, seen: str | None = ""
    ) -> None:
        """Set (or with None remove) the entry; with ``seen`` (None: absent) only if it still
        is what was read, so a repair never overwrites a newer writer's entry."""
        if seen == wanted:
            return
        bucket = bucket_id(office_id, booking_id)
        await self.store.write_busy_entry(office_id, bucket, booking_id, wanted, seen)
