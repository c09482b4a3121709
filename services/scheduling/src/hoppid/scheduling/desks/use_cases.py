"""Office seats: desks booked by half day (morning 08-12, afternoon 12-16, Europe/Oslo).

A whole day is two half-day bookings, claimed morning first; if the afternoon is lost to a race
the morning is released again at once (its booked and released events both go out: the topic
tells what happened). The no-show rule: a booking not checked in by 10:00 Oslo (morning) or
14:00 Oslo (afternoon), two hours into its half, is released; a booking made later than that
gets ``HOPPID_SCHEDULING_DESK_CHECK_IN_GRACE_MINUTES`` from its booking to check in. Each
booking stores its ``release_at`` (UTC); a poller (``HOPPID_SCHEDULING_DESK_POLL_SECONDS``) and
the staff call ``POST …/seat-bookings/release-no-shows`` release what is due, each in one
conditional update (still booked, same ``release_at``), so a booking is released once.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from hoppid.contracts import scheduling as ev
from hoppid.scheduling import context, model
from hoppid.scheduling.access import administers
from hoppid.scheduling.desks.forms import DeskForm, SeatForm
from hoppid.scheduling.desks.store import HELD, DeskRepository, claim_of
from hoppid.scheduling.model import RuleViolation
from hoppid.scheduling.offices.rules import rules_of
from hoppid.scheduling.ownership import NotOurs
from hoppid.shared import polling
from hoppid.shared.access import Staff
from hoppid.shared.events import Event
from hoppid.shared.problems import Conflict, NotFound

Document = dict[str, Any]
log = logging.getLogger("hoppid.scheduling.desks")

# half: (starts, ends, released unless checked in by), Oslo wall-clock time
HALVES = {
    "morning": (time(8), time(12), time(10)),
    "afternoon": (time(12), time(16), time(14)),
}
MAX_DAYS_AHEAD = 92


@dataclass
class Desks:
    ctx: context.Context
    store: DeskRepository  # DeskStore, or MemoryDeskStore in unit tests
    check_in_grace: timedelta


def _at(day: date, at: time) -> datetime:
    return model.existing_oslo_instant(day, at)  # 08:00-16:00 exist on every Oslo day


def release_at(day: date, half: str, booked_at: datetime, grace: timedelta) -> datetime:
    """When an unchecked-in booking is released: the rule's time, or grace after booking."""
    return max(_at(day, HALVES[half][2]), booked_at + grace)


def _check_day(office: Document, day: date, halves: list[str], now: datetime) -> None:
    rules = rules_of(office)
    open_days = {weekday for weekday, _, _ in rules.opening}
    if day.weekday() not in open_days or day in rules.closed_days:
        raise RuleViolation("day", "the office is closed that day")
    if model.is_public_holiday(day):
        raise RuleViolation("day", "that day is a public holiday")
    if (day - model.oslo_day(now)).days > MAX_DAYS_AHEAD:
        raise RuleViolation("day", f"book at most {MAX_DAYS_AHEAD} days ahead")
    if _at(day, HALVES[halves[-1]][1]) <= now:
        raise RuleViolation("half", "that time is over")


async def add_desk(desks: Desks, staff: Staff, office_id: str, form: DeskForm) -> Document:
    await context.office_for(desks.ctx, staff, office_id)
    if not administers(staff, office_id):
        raise PermissionError("only the office's admin adds desks")
    desk = {"_id": str(uuid.uuid4()), "office_id": office_id, "name": form.name, "active": True}
    await desks.store.insert_desk(desk)
    return desk


def _event_ids(booking: Document) -> Document:
    return {
        "seat_booking_id": booking["_id"],
        "office_id": booking["office_id"],
        "desk_id": booking["desk_id"],
        "day": booking["day"],
        "half": booking["half"],
        "person_id": booking["person_id"],
        "municipality": booking.get("municipality"),  # None for bookings older than the field
    }


async def book(
    desks: Desks, staff: Staff, office_id: str, form: SeatForm, by: ev.Actor = "staff"
) -> list[Document]:
    """Book a desk's half (or whole) day; of racing bookings of one desk, one wins."""
    office = await context.office_for(desks.ctx, staff, office_id)
    await context.check_owners(desks.ctx, office_id, None, form.person_id, by)
    halves: list[str] = ["morning", "afternoon"] if form.half == "day" else [form.half]
    now = desks.ctx.now()
    _check_day(office, form.day, halves, now)
    candidates = [d for d in await desks.store.desks(office_id) if d.get("active", True)]
    if form.desk_id is not None:
        candidates = [d for d in candidates if d["_id"] == form.desk_id]
        if not candidates:
            raise NotOurs("desk_id", "no such desk at this office")
    taken = await desks.store.claimed(office_id, form.day.isoformat())
    for desk in candidates:
        if any(claim_of(desk["_id"], form.day.isoformat(), h) in taken for h in halves):
            continue
        won = await _book_desk(desks, office, desk, form, halves, by, now)
        if won and not await _removed_meanwhile(desks, office, desk, won):
            desks.ctx.notify()
            return won
    raise Conflict("no desk is free then")


async def _removed_meanwhile(
    desks: Desks, office: Document, desk: Document, won: list[Document]
) -> bool:
    """The desk was removed while it was being booked (desk_changes.remove_desk counts the
    bookings to come after it marks the desk removed, so one of the two sees the other): the
    halves won are released again, and the booking tries the next desk."""
    current = await desks.store.desk(office["_id"], desk["_id"])
    if current is not None and current.get("active", True):
        return False
    for booking in won:
        await _release(desks, office, booking, "cancelled", "system", ["booked"])
    desks.ctx.notify()
    return True


async def _book_desk(
    desks: Desks,
    office: Document,
    desk: Document,
    form: SeatForm,
    halves: list[str],
    by: ev.Actor,
    now: datetime,
) -> list[Document]:
    """All the halves of one desk, or none (a half won is released again)."""
    won: list[Document] = []
    day = form.day.isoformat()
    for half in halves:
        booking = {
            "_id": str(uuid.uuid4()),
            "office_id": office["_id"],
            "desk_id": desk["_id"],
            "day": day,
            "half": half,
            "claim": claim_of(desk["_id"], day, half),
            "person_id": form.person_id,
            "municipality": context.main_municipality(office),  # on each of its events
            "status": "booked",
            "booked_by": by,
            "booked_at": now,
            "release_at": release_at(form.day, half, now, desks.check_in_grace),
        }
        event = ev.SeatBooked(**_event_ids(booking), booked_by=by, booked_at=now)
        if not await desks.store.book(
            booking,
            [context.office_envelope(event, booking["_id"], office, booking.get("municipality"))],
        ):
            for lost in won:
                await _release(desks, office, lost, "cancelled", "system", ["booked"])
            return []
        won.append(booking)
    return won


async def _open(
    desks: Desks, staff: Staff, office_id: str, booking_id: str
) -> tuple[Document, Document]:
    office = await context.office_for(desks.ctx, staff, office_id)
    booking = await desks.store.booking(booking_id)
    if booking is None or booking["office_id"] != office_id:
        raise NotFound(booking_id)
    return office, booking


async def check_in(desks: Desks, staff: Staff, office_id: str, booking_id: str) -> Document:
    office, booking = await _open(desks, staff, office_id, booking_id)
    now = desks.ctx.now()
    if booking["day"] != model.oslo_day(now).isoformat():
        raise RuleViolation("booking_id", "check in on the booked day")
    event = ev.SeatCheckedIn(**_event_ids(booking), checked_in_at=now)
    envelope = context.office_envelope(event, booking_id, office, booking.get("municipality"))
    after = await desks.store.check_in(booking_id, now, [envelope])
    if after is None:
        raise Conflict(f"the booking is {booking['status']}, not booked")
    desks.ctx.notify()
    return after


async def _release(
    desks: Desks,
    office: Document,
    booking: Document,
    reason: Any,
    by: ev.Actor,
    held: list[str],
    due_at: datetime | None = None,
) -> Document | None:
    """End the booking with its ``seat.released``, if its status is still one of ``held``
    (and, with ``due_at``, its release still due then)."""
    now = desks.ctx.now()
    event: Event = ev.SeatReleased(
        **_event_ids(booking), reason=reason, released_by=by, released_at=now
    )
    envelope = context.office_envelope(event, booking["_id"], office, booking.get("municipality"))
    return await desks.store.release(booking["_id"], held, reason, now, [envelope], due_at)


async def cancel(desks: Desks, staff: Staff, office_id: str, booking_id: str) -> Document:
    office, booking = await _open(desks, staff, office_id, booking_id)
    after = await _release(desks, office, booking, "cancelled", "staff", HELD)
    if after is None:
        raise Conflict("the booking has ended already")
    desks.ctx.notify()
    return after


def ended(booking: Document, now: datetime) -> bool:
    """The booking's half day is over (Oslo time)."""
    return _at(date.fromisoformat(booking["day"]), HALVES[booking["half"]][1]) <= now


async def release_of_erased(desks: Desks, office: Document, booking: Document) -> Document | None:
    """An erased person's booking (booked or checked in) released as a cancellation by the
    system: the same update and ``seat.released`` event; None if it changed meanwhile."""
    return await _release(desks, office, booking, "cancelled", "system", [booking["status"]])


async def release_no_shows(
    desks: Desks, office_id: str | None, by: ev.Actor = "system"
) -> list[str]:
    """Release every booking not checked in by its ``release_at``; the ids released now."""
    released = []
    offices: dict[str, Document] = {}
    for booking in await desks.store.no_shows(desks.ctx.now(), office_id):
        office_of = booking["office_id"]
        if office_of not in offices:
            offices[office_of] = await desks.ctx.office_store.office(office_of) or {
                "_id": office_of
            }
        due_at = booking["release_at"]
        if await _release(desks, offices[office_of], booking, "no_show", by, ["booked"], due_at):
            released.append(booking["_id"])
    if released:
        desks.ctx.notify()
    return released


async def staff_release(desks: Desks, staff: Staff, office_id: str) -> list[str]:
    await context.office_for(desks.ctx, staff, office_id)
    return await release_no_shows(desks, office_id, "staff")


async def run(desks: Desks, every_seconds: float) -> None:
    """The no-show poller; runs as long as the service."""

    async def one_pass() -> None:
        await release_no_shows(desks, None)

    await polling.poll("no-show release pass", one_pass, every_seconds, log)
