"""What every use case shares: the context (store, clock, vault, what was read recently), the
office of a call, the owners of the ids a request names, and the envelope of an office's event."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from hoppid.contracts import scheduling as ev
from hoppid.scheduling.access import works_at
from hoppid.scheduling.advisors.model import Advisor
from hoppid.scheduling.advisors.store import AdvisorRepository
from hoppid.scheduling.meetings.busy_times import BusyTimes
from hoppid.scheduling.meetings.repository import MeetingRepository
from hoppid.scheduling.offices.store import OfficeRepository
from hoppid.scheduling.ownership import KnownCases, check
from hoppid.scheduling.store import SchedulingStore
from hoppid.shared.access import Staff
from hoppid.shared.clock import real_now
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.pii import PersonalDataVault
from hoppid.shared.problems import NotFound

Document = dict[str, Any]
T = TypeVar("T")
EventHandler = Callable[["Context", Event, Envelope], Awaitable[None]]
BoundHandler = Callable[[Event, Envelope], Awaitable[None]]


class Recent(Generic[T]):
    """Per office, what was last read (an office's document, its parsed active advisors),
    reused for ``FRESH`` seconds: a search or booking then reads none of it. This process's own
    changes of an office drop its entry at once; another instance's show within ``FRESH``
    seconds (a named advisor missing from the entry is read afresh: see meetings.search). The
    claims, not these, keep bookings apart."""

    FRESH = 2.0

    def __init__(self) -> None:
        self._found: dict[str, tuple[float, T]] = {}
        self._changes: Counter[str] = Counter()

    async def get(self, office_id: str, read: Callable[[], Awaitable[T]], fresh: bool = False) -> T:
        found = self._found.get(office_id)
        if found is not None and not fresh and time.monotonic() - found[0] < self.FRESH:
            return found[1]
        changes, at = self._changes[office_id], time.monotonic()
        value = await read()
        if value is not None and changes == self._changes[office_id]:  # no change of ours
            self._found[office_id] = (at, value)
        return value

    def forget(self, office_id: str) -> None:
        self._changes[office_id] += 1
        self._found.pop(office_id, None)


@dataclass
class Context:
    store: SchedulingStore
    notify: Callable[[], None]  # wakes the outbox relay after a write
    public_url: str
    offer_count: int
    offer_days: int
    vault: PersonalDataVault  # seals an advisor's name and address on advisor.changed
    now: Callable[[], datetime] = real_now
    busy: BusyTimes = field(init=False)  # what searches read of the booked meetings
    # the advisors' repository: the service's store; a unit test puts the in-memory one here
    advisor_store: AdvisorRepository = field(init=False)
    # the meetings' repository (claims, bookings, offers, busy times): the service's store; a
    # unit test puts the in-memory one here with ``use_meetings``
    meeting_store: MeetingRepository = field(init=False)
    office_store: OfficeRepository = field(init=False)  # the offices' repository, likewise
    advisors: Recent[list[Advisor]] = field(init=False, default_factory=lambda: Recent())
    offices: Recent[Document | None] = field(init=False, default_factory=lambda: Recent())
    cases: KnownCases = field(init=False, default_factory=KnownCases)  # whose case is it

    def __post_init__(self) -> None:
        self.advisor_store = self.store
        self.office_store = self.store
        self.use_meetings(self.store)

    def use_meetings(self, meetings: MeetingRepository) -> None:
        """The meetings' repository, and the busy times read and written through it."""
        self.meeting_store = meetings
        self.busy = BusyTimes(meetings, self.store.claim_grace)


async def office_for(ctx: Context, staff: Staff, office_id: str, fresh: bool = False) -> Document:
    """The office of a call, as read within the last seconds unless ``fresh`` (Recent)."""
    if not works_at(staff, office_id):
        raise PermissionError("this key is not of this office")
    office = await ctx.offices.get(office_id, lambda: ctx.office_store.office(office_id), fresh)
    if office is None:
        raise NotFound(office_id)
    return dict(office)  # the caller's own copy


async def check_owners(
    ctx: Context,
    office_id: str,
    case_id: str | None,
    person_id: str | None,
    by: ev.Actor = "staff",
) -> None:
    """The case and person a request names are of this office (hoppid.scheduling.ownership):
    else a 404 naming the field, before anything is written."""
    by_person = by == "entrepreneur"
    await check(ctx.cases, ctx.meeting_store, office_id, case_id, person_id, by_person)


def feed_url(ctx: Context, token: str) -> str:
    return f"{ctx.public_url.rstrip('/')}/v1/calendars/{token}.ics"


def main_municipality(office: Document) -> str | None:
    """The office's main municipality: the first of those it serves (its own; intake's office
    data lists the host municipality first)."""
    municipalities = office.get("municipalities") or []
    return str(municipalities[0]) if municipalities else None


def office_envelope(
    event: Event, subject: str, office: Document, municipality: str | None = None
) -> Envelope:
    """The event from the office; ``municipality`` (the ce_municipality extension) is the one the
    event counts for when it names one, else the office's main one."""
    return event.to_envelope(
        source=ev.SOURCE,
        subject=subject,
        office=office["_id"],
        municipality=municipality or main_municipality(office) or "",
    )
