"""An office admin changes a programme (its sessions' times, its capacity) or cancels it whole.

Both are decisions on the programme as read, written by the programme store's conditional
update with their events in the same write (``ProgrammeStore.change``), so they are published
exactly once and never race an enrolment: a capacity is never set below the seats taken at the
moment of writing, and a raised one seats the first waiting in that same write, as a cancelled
enrolment does (``use_cases.promote``).

A session that has started keeps its time (its attendance belongs to it); the others may move
to a time still to come. Session ids stay as they were, so attendance and pending reminders
keep pointing at the right session; a moved session's reminders are planned again.

Cancelling ends every enrolment, seated and waiting, each with its own
``programme.enrolment_cancelled`` (reason ``programme_cancelled``), then one
``programme.cancelled``; the programme then takes no enrolments and sends no reminders.
Cancelling again, or a change that changes nothing, writes no event.
"""

from __future__ import annotations

from typing import Any, Literal

from hoppid.contracts import scheduling as ev
from hoppid.scheduling import context
from hoppid.scheduling.access import administers
from hoppid.scheduling.forms import as_utc
from hoppid.scheduling.model import RuleViolation
from hoppid.scheduling.programmes.forms import ProgrammeChangeForm, SessionChange
from hoppid.scheduling.programmes.store import Change
from hoppid.scheduling.programmes.use_cases import (
    Programmes,
    _change,
    _envelope,
    _ids,
    open_programme,
    promote,
    session_reminder_plan,
)
from hoppid.shared.access import Staff
from hoppid.shared.events import Event
from hoppid.shared.problems import Conflict

Document = dict[str, Any]


def _moved(sessions: list[Document], changes: list[SessionChange], now: Any) -> list[Document]:
    """The sessions after the moves, in time order; a refusal names the changed row's field."""
    by_id = {s["id"]: dict(s) for s in sessions}
    seen: set[str] = set()
    for n, change in enumerate(changes):
        if change.id not in by_id or change.id in seen:
            raise RuleViolation(f"sessions.{n}.id", "not a session of this programme, or twice")
        seen.add(change.id)
        start, end = as_utc(change.start), as_utc(change.end)
        if end <= start:
            raise RuleViolation(f"sessions.{n}.end", "a session ends after it starts")
        old = by_id[change.id]
        if (start, end) == (old["start"], old["end"]):
            continue
        if old["start"] <= now:
            raise RuleViolation(f"sessions.{n}.start", "the session has started; it stays")
        if start <= now:
            raise RuleViolation(f"sessions.{n}.start", "a session moves to a time to come")
        by_id[change.id] = {**old, "start": start, "end": end}
    return sorted(by_id.values(), key=lambda s: s["start"])


def _check_capacity(programme: Document, capacity: int) -> None:
    if capacity < programme["taken"]:
        raise RuleViolation("capacity", f"{programme['taken']} seats are taken already")
    if capacity < programme["minimum"]:
        raise RuleViolation("capacity", "less than the programme's minimum")
    if any(e["participants"] > capacity for e in programme["waiting"]):
        raise RuleViolation("capacity", "a waiting class has more pupils than that")


def _reminders(programme: Document, sessions: list[Document], now: Any) -> Document:
    """Pending reminders of unmoved sessions as they were; a moved session's planned anew."""
    before = {s["id"]: (s["start"], s["end"]) for s in programme["sessions"]}
    moved = {s["id"] for s in sessions if before[s["id"]] != (s["start"], s["end"])}
    kept = [r for r in programme.get("session_reminders", []) if r.split(":")[0] not in moved]
    again = session_reminder_plan(sessions, now)["session_reminders"]
    pending = kept + [r for r in again if r.split(":")[0] in moved]
    return session_reminder_plan(sessions, now, pending)


def decide_programme_change(
    programme: Document, office: Document, form: ProgrammeChangeForm, now: Any
) -> Change:
    if programme.get("cancelled_at") is not None:
        raise Conflict("the programme is cancelled")
    sessions = programme["sessions"]
    if form.sessions is not None:
        sessions = _moved(programme["sessions"], form.sessions, now)
    capacity = programme["capacity"] if form.capacity is None else form.capacity
    changed: list[ev.ProgrammeChange] = []
    if sessions != programme["sessions"]:
        changed.append("sessions")
    if capacity != programme["capacity"]:
        _check_capacity(programme, capacity)
        changed.append("capacity")
    answer: Document = {"programme_id": programme["_id"], "changed": changed, "promoted": []}
    if not changed:  # nothing to tell: a write that changes nothing, and no event
        return Change({"capacity": capacity}, [], answer)
    events: list[Event] = [_changed_event(programme, changed, sessions, capacity, now)]
    seats, waiting = list(programme["seats"]), list(programme["waiting"])
    taken = promote(programme, seats, waiting, programme["taken"], capacity, events, now)
    answer["promoted"] = [e.enrolment_id for e in events if isinstance(e, ev.ProgrammePromoted)]
    fields = {
        "sessions": sessions,
        "first_start": sessions[0]["start"],
        "capacity": capacity,
        "seats": seats,
        "waiting": waiting,
        "taken": taken,
        **_reminders(programme, sessions, now),
    }
    return Change(fields, [_envelope(e, programme, office) for e in events], answer)


def _changed_event(
    programme: Document,
    changed: list[ev.ProgrammeChange],
    sessions: list[Document],
    capacity: int,
    now: Any,
) -> ev.ProgrammeChanged:
    return ev.ProgrammeChanged(
        programme_id=programme["_id"],
        office_id=programme["office_id"],
        kind=programme["kind"],
        changed=changed,
        sessions=[ev.ProgrammeSession(**s) for s in sessions],
        capacity=capacity,
        previous_capacity=programme["capacity"],
        changed_by="staff",
        changed_at=now,
    )


def decide_programme_cancel(programme: Document, office: Document, now: Any) -> Change:
    cancelled_at = programme.get("cancelled_at")
    if cancelled_at is not None:  # asked again: the same answer, nothing written anew
        answer = {"programme_id": programme["_id"], "status": "cancelled", "ended": []}
        return Change({"cancelled_at": cancelled_at}, [], answer)
    ended: list[tuple[Document, Literal["enrolled", "waitlisted"]]] = [
        *((e, "enrolled") for e in programme["seats"]),
        *((e, "waitlisted") for e in programme["waiting"]),
    ]
    events: list[Event] = [
        ev.ProgrammeEnrolmentCancelled(
            **_ids(programme, entry),
            was=was,
            cancelled_by="staff",
            cancelled_at=now,
            reason="programme_cancelled",
        )
        for entry, was in ended
    ]
    events.append(
        ev.ProgrammeCancelled(
            programme_id=programme["_id"],
            office_id=programme["office_id"],
            kind=programme["kind"],
            enrolments_ended=len(ended),
            seats_freed=programme["taken"],
            cancelled_by="staff",
            cancelled_at=now,
        )
    )
    fields = {
        "cancelled_at": now,
        "seats": [],
        "waiting": [],
        "taken": 0,
        "people": [],
        "session_reminders": [],
        "reminder_at": None,
    }
    answer = {
        "programme_id": programme["_id"],
        "status": "cancelled",
        "ended": [entry["id"] for entry, _ in ended],
    }
    return Change(fields, [_envelope(e, programme, office) for e in events], answer)


async def _admin_office(
    programmes: Programmes, staff: Staff, office_id: str, programme_id: str
) -> Document:
    office = await context.office_for(programmes.ctx, staff, office_id)
    if not administers(staff, office_id):
        raise PermissionError("only the office's admin changes or cancels a programme")
    await open_programme(programmes, staff, office_id, programme_id)
    return office


async def change_programme(
    programmes: Programmes,
    staff: Staff,
    office_id: str,
    programme_id: str,
    form: ProgrammeChangeForm,
) -> Document:
    office = await _admin_office(programmes, staff, office_id, programme_id)
    now = programmes.ctx.now()
    return await _change(
        programmes, programme_id, lambda p: decide_programme_change(p, office, form, now)
    )


async def cancel_programme(
    programmes: Programmes, staff: Staff, office_id: str, programme_id: str
) -> Document:
    office = await _admin_office(programmes, staff, office_id, programme_id)
    now = programmes.ctx.now()
    return await _change(
        programmes, programme_id, lambda p: decide_programme_cancel(p, office, now)
    )
