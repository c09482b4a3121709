"""Free times: the store's advisors and bookings read into the model, searched, claimed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from hoppid.scheduling import model
from hoppid.scheduling.advisors.model import Advisor, advisor_of
from hoppid.scheduling.context import Context, Document
from hoppid.scheduling.meetings import model as meeting_model
from hoppid.scheduling.meetings.model import Search, Slot
from hoppid.scheduling.model import RuleViolation
from hoppid.scheduling.offices.rules import rules_of
from hoppid.scheduling.ownership import NotOurs
from hoppid.shared.problems import Conflict

FRESH_SLOTS = 5  # offered with a conflict answer
FRESH_DAYS = 14


class SlotTaken(Conflict):
    """That time is not free (any more); ``slots`` are free ones to choose from instead."""

    def __init__(self, slots: list[Slot]) -> None:
        super().__init__("that time is not free; choose one of the free times offered")
        self.slots = slots


async def _busy_and_loads(
    ctx: Context,
    office_id: str,
    advisors: Sequence[Advisor],
    first: date,
    last: date,
    ignore: str = "",
) -> tuple[dict[str, set[datetime]], dict[str, int]]:
    """Cells booked per advisor around the days, and each advisor's upcoming meetings, from the
    office's busy times (a few small documents: hoppid.scheduling.meetings.busy_times), with the
    bookings being written as busy too."""
    since = datetime.combine(first, time(0), UTC) - timedelta(days=1)
    until = datetime.combine(last, time(0), UTC) + timedelta(days=2)
    now = ctx.now()
    booked, writing = await ctx.busy.meetings(office_id, now)
    busy: dict[str, set[datetime]] = {advisor.id: set() for advisor in advisors}
    loads = dict.fromkeys(busy, 0)
    # in epoch seconds, as the busy times keep them
    first_s, until_s, now_s = since.timestamp(), until.timestamp(), now.timestamp()
    for meeting in booked:
        if meeting.advisor_id not in busy:
            continue
        if meeting.start >= now_s:
            loads[meeting.advisor_id] += 1
        if meeting.booking_id != ignore and first_s <= meeting.start < until_s:
            busy[meeting.advisor_id].update(meeting.cells())
    # a booking being written has claimed its cells and not yet stored itself: busy too
    for meeting in writing:
        if meeting.booking_id != ignore and meeting.advisor_id in busy:
            busy[meeting.advisor_id].update(meeting.cells())
    return busy, loads


async def _advisors(ctx: Context, office_id: str, fresh: bool = False) -> list[Advisor]:
    """The office's active advisors, as read within the last seconds unless ``fresh``."""

    async def read() -> list[Advisor]:
        documents = await ctx.advisor_store.advisors(office_id)
        return [advisor_of(d) for d in documents if d.get("active", True)]

    return await ctx.advisors.get(office_id, read, fresh)


async def _advisors_for(ctx: Context, office_id: str, search: Search) -> list[Advisor]:
    """The office's advisors; read afresh when the one the search names is not among them
    (added by another instance a moment ago)."""
    advisors = await _advisors(ctx, office_id)
    if search.advisor_id and search.advisor_id not in {a.id for a in advisors}:
        advisors = await _advisors(ctx, office_id, fresh=True)
    return advisors


async def search_slots(ctx: Context, office: Document, search: Search) -> list[Slot]:
    if search.last < search.first:
        raise RuleViolation("to", "the range ends before it starts")
    if (search.last - search.first).days > 92:
        raise RuleViolation("to", "search at most 92 days at a time")
    advisors = [
        a for a in await _advisors_for(ctx, office["_id"], search) if meeting_model.fits(a, search)
    ]
    if not advisors:
        return []
    busy, loads = await _busy_and_loads(ctx, office["_id"], advisors, search.first, search.last)
    return meeting_model.free_slots(rules_of(office), advisors, busy, loads, search)


async def fresh_slots(ctx: Context, office: Document, search: Search) -> list[Slot]:
    day = max(search.first, model.oslo_day(ctx.now()))
    fresh = Search(
        first=day,
        last=day + timedelta(days=FRESH_DAYS),
        meeting_type=search.meeting_type,
        now=ctx.now(),
        language=search.language,
        topic=search.topic,
        mode=search.mode,
        advisor_id=search.advisor_id,
        limit=FRESH_SLOTS,
    )
    return await search_slots(ctx, office, fresh)


async def free_candidates(
    ctx: Context, office: Document, search: Search, start: datetime, prefer: str | None, ignore: str
) -> list[Slot]:
    """The slots at ``start`` to try to claim, in order. With one advisor at most whose hours,
    absences and filters allow it, the claim itself decides (a cell booked or being booked
    refuses it), so nothing more is read; among several, their calendars and loads choose.
    An advisor named who is not an active advisor of the office is NotOurs (404)."""
    advisors = await _advisors_for(ctx, office["_id"], search)
    if search.advisor_id and search.advisor_id not in {a.id for a in advisors}:
        raise NotOurs("advisor_id", "no active advisor of this office")
    rules = rules_of(office)
    possible = meeting_model.free_at(rules, advisors, {}, {}, search, start, prefer)
    if len(possible) < 2:
        return possible
    fitting = [a for a in advisors if a.id in {slot.advisor_id for slot in possible}]
    busy, loads = await _busy_and_loads(
        ctx, office["_id"], fitting, search.first, search.last, ignore
    )
    return meeting_model.free_at(rules, fitting, busy, loads, search, start, prefer)


async def claim_first(
    ctx: Context, office: Document, candidates: list[Slot], booking_id: str
) -> tuple[Slot, list[datetime]] | None:
    """Claim the first candidate the store lets us have (fairest first). The booking stays
    pending (busy to searches) until its document is written and ``store.written`` says so."""
    buffer_minutes = rules_of(office).buffer_minutes
    for slot in candidates:
        cells = meeting_model.cells(slot.start, slot.end, buffer_minutes)
        claim = ctx.meeting_store.claim
        if await claim(office["_id"], slot.advisor_id, cells, booking_id, ctx.now()):
            return slot, cells
    return None


def slot_out(slot: Slot) -> Document:
    return {"start": slot.start, "end": slot.end, "advisor_id": slot.advisor_id, "mode": slot.mode}
