"""Group programmes: courses, growth programmes, innovation camps and school programmes.

Each programme has sessions, a capacity, a minimum and enrolments. A person (enrolled by staff
for a case, or by themselves through their link) takes one seat; a school class takes as many
seats as it has pupils and is known only by school, class and head count (no personal data).
When it is full, enrolments wait in order of arrival; when a seat frees, the first waiting
enrolment that fits gets it in the same update (strictly in order: a large class first in line
is not overtaken). While anyone waits, a newcomer waits too. Events go out with the change
(the programme's outbox: programmes.store).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from hoppid.contracts import scheduling as ev
from hoppid.scheduling import context, model
from hoppid.scheduling.forms import as_utc
from hoppid.scheduling.model import RuleViolation
from hoppid.scheduling.programmes.forms import AttendanceForm, EnrolForm, ProgrammeForm
from hoppid.scheduling.programmes.store import Change, Contended, Decide, ProgrammeRepository
from hoppid.shared import polling
from hoppid.shared.access import Staff
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.problems import Conflict, NotFound

Document = dict[str, Any]
log = logging.getLogger("hoppid.scheduling.groups")


@dataclass
class Programmes:
    ctx: context.Context
    store: ProgrammeRepository  # ProgrammeStore, or MemoryProgrammeStore in unit tests


async def open_to_person(programmes: Programmes, programme_id: str) -> Document:
    """A programme a person may see and enrol in through their link (school programmes are
    for classes, enrolled by staff); NotFound otherwise."""
    programme = await programmes.store.programme(programme_id)
    if programme is None or programme["kind"] == "school_programme":
        raise NotFound(programme_id)
    return programme


async def _change(programmes: Programmes, programme_id: str, decide: Decide) -> Document:
    try:
        _, answer = await programmes.store.change(programme_id, decide)
    except Contended as error:
        raise Conflict("the programme is changing a lot right now; try again") from error
    except LookupError as error:
        raise NotFound(programme_id) from error
    programmes.ctx.notify()
    return answer


def _check(form: ProgrammeForm) -> None:
    if form.minimum > form.capacity:
        raise RuleViolation("minimum", "the minimum is larger than the capacity")
    if form.partner_city is not None and form.kind != "growth_programme":
        raise RuleViolation("partner_city", "only growth programmes have a partner city")
    for n, session in enumerate(form.sessions):
        if session.end <= session.start:
            raise RuleViolation(f"sessions.{n}.end", "a session ends after it starts")


async def create(
    programmes: Programmes, staff: Staff, office_id: str, form: ProgrammeForm
) -> Document:
    await context.office_for(programmes.ctx, staff, office_id)
    _check(form)
    # stored in UTC, in time order; ids s1, s2... are stable once created
    sessions = sorted(
        ({"start": as_utc(s.start), "end": as_utc(s.end)} for s in form.sessions),
        key=lambda s: s["start"],
    )
    programme = {
        "_id": str(uuid.uuid4()),
        "office_id": office_id,
        **form.model_dump(exclude={"sessions"}),
        "sessions": [{"id": f"s{n + 1}", **s} for n, s in enumerate(sessions)],
        "first_start": sessions[0]["start"],
        "taken": 0,
        "seats": [],
        "waiting": [],
        "people": [],
        "attendance": {},
        "created_at": programmes.ctx.now(),
        **session_reminder_plan(sessions_with_ids(sessions), programmes.ctx.now()),
    }
    await programmes.store.insert(programme)
    return programme


def sessions_with_ids(sessions: list[Document]) -> list[Document]:
    return [{"id": f"s{n + 1}", **s} for n, s in enumerate(sessions)]


def session_reminder_plan(sessions: list[Document], now: Any, pending: Any = None) -> Document:
    """Which reminders ("s1:24h", "s1:2h"...) are still to send, and when the next is due: like
    a meeting's (a reminder already past when the programme is made is dropped, never late).
    Strings, not pairs: FerretDB stores no nested arrays."""
    starts = {s["id"]: s["start"] for s in sessions}
    if pending is None:
        pending = [f"{sid}:{kind}" for sid in starts for kind in model.REMINDERS]
    kept = [r for r in pending if _due_at(starts, r) > now]
    next_at = min((_due_at(starts, r) for r in kept), default=None)
    return {"session_reminders": kept, "reminder_at": next_at}


def _due_at(starts: dict[str, Any], reminder: str) -> Any:
    session_id, kind = reminder.split(":")
    return starts[session_id] - model.REMINDERS[kind]


def decide_session_reminders(programme: Document, office: Document, now: Any) -> Change:
    """Emit the due session reminders and keep the rest, in one conditional write."""
    sessions = {s["id"]: s for s in programme["sessions"]}
    starts = {sid: s["start"] for sid, s in sessions.items()}
    pending = programme.get("session_reminders", [])
    due = [r.split(":") for r in pending if _due_at(starts, r) <= now]
    events = [
        ev.SessionReminderDue(
            programme_id=programme["_id"],
            office_id=programme["office_id"],
            kind=programme["kind"],
            session_id=sid,
            reminder=kind,  # "24h" or "2h", from REMINDERS
            start=sessions[sid]["start"],
            end=sessions[sid]["end"],
            enrolled=programme["taken"],
            due_at=sessions[sid]["start"] - model.REMINDERS[kind],
        )
        for sid, kind in due
    ]
    left = [r for r in pending if _due_at(starts, r) > now]
    fields = session_reminder_plan(programme["sessions"], now, left)
    return Change(fields, [_envelope(e, programme, office) for e in events], {"sent": len(due)})


async def send_session_reminders(programmes: Programmes, now: Any) -> int:
    sent = 0
    for programme in await programmes.store.reminders_due(now):
        office = await programmes.ctx.office_store.office(programme["office_id"]) or {
            "_id": programme["office_id"]
        }
        _, answer = await programmes.store.change(programme["_id"], _reminders_of(office, now))
        sent += int(answer["sent"])
    if sent:
        programmes.ctx.notify()
    return sent


def _reminders_of(office: Document, now: Any) -> Decide:
    return lambda programme: decide_session_reminders(programme, office, now)


async def run_reminders(programmes: Programmes, interval_seconds: float) -> None:
    """Poll for due session reminders until cancelled; errors are logged and tried again."""

    async def one_pass() -> None:
        await send_session_reminders(programmes, programmes.ctx.now())

    await polling.poll("session reminder pass", one_pass, interval_seconds, log)


async def open_programme(
    programmes: Programmes, staff: Staff, office_id: str, programme_id: str
) -> Document:
    await context.office_for(programmes.ctx, staff, office_id)
    programme = await programmes.store.programme(programme_id)
    if programme is None or programme["office_id"] != office_id:
        raise NotFound(programme_id)
    return programme


# --- enrolment, waitlist, promotion: pure decisions on the programme as read -------------------


def _entry(
    programme: Document, form: EnrolForm, by: ev.Actor, now: Any, municipality: str | None
) -> Document:
    if programme.get("cancelled_at") is not None:
        raise Conflict("the programme is cancelled")
    school = programme["kind"] == "school_programme"
    if school and (form.school is None or form.school_class is None):
        raise RuleViolation("school", "a school programme enrols a class: school and class")
    if school and (form.person_id is not None or form.case_id is not None):
        raise RuleViolation("person_id", "school programmes hold no personal data")
    if not school and form.person_id is None:
        raise RuleViolation("person_id", "who is enrolled (a person id)")
    if not school and form.participants != 1:
        raise RuleViolation("participants", "a person takes one seat")
    if form.participants > programme["capacity"]:
        raise RuleViolation("participants", "more than the programme's capacity")
    if form.person_id is not None and form.person_id in programme["people"]:
        raise Conflict("this person is enrolled or waiting already")
    return {
        "id": str(uuid.uuid4()),
        "person_id": form.person_id,
        "case_id": form.case_id,
        "school": form.school,
        "school_class": form.school_class,
        "participants": form.participants,
        "municipality": municipality,  # every event of this enrolment counts there
        "by": by,
        "at": now,
    }


def _ids(programme: Document, entry: Document) -> Document:
    return {
        "programme_id": programme["_id"],
        "office_id": programme["office_id"],
        "kind": programme["kind"],
        "enrolment_id": entry["id"],
        "person_id": entry["person_id"],
        "case_id": entry["case_id"],
        "participants": entry["participants"],
        "municipality": entry.get("municipality"),  # None for enrolments older than the field
    }


def _people(seats: list[Document], waiting: list[Document]) -> list[str]:
    return [e["person_id"] for e in seats + waiting if e["person_id"] is not None]


def _envelope(event: Event, programme: Document, office: Document) -> Envelope:
    municipality = getattr(event, "municipality", None)
    return context.office_envelope(event, programme["_id"], office, municipality)


def decide_enrolment(
    programme: Document,
    office: Document,
    form: EnrolForm,
    by: ev.Actor,
    now: Any,
    municipality: str | None = None,
) -> Change:
    entry = _entry(programme, form, by, now, municipality)
    seats, waiting = list(programme["seats"]), list(programme["waiting"])
    room = programme["capacity"] - programme["taken"]
    if not waiting and entry["participants"] <= room:
        seats.append(entry)
        event: Event = ev.ProgrammeEnrolled(
            **_ids(programme, entry), enrolled_by=by, enrolled_at=now
        )
        taken = programme["taken"] + entry["participants"]
        fields = {"seats": seats, "taken": taken, "people": _people(seats, waiting)}
        # the filter demands the seats are still free: never more than the capacity
        limit = programme["capacity"] - entry["participants"]
        answer = {"enrolment_id": entry["id"], "status": "enrolled"}
        return Change(fields, [_envelope(event, programme, office)], answer, max_taken=limit)
    waiting.append(entry)
    event = ev.ProgrammeWaitlisted(
        **_ids(programme, entry), position=len(waiting), waitlisted_by=by, waitlisted_at=now
    )
    fields = {"waiting": waiting, "people": _people(seats, waiting)}
    answer = {"enrolment_id": entry["id"], "status": "waitlisted", "position": len(waiting)}
    return Change(fields, [_envelope(event, programme, office)], answer)


def decide_cancel(
    programme: Document, office: Document, enrolment_id: str, by: ev.Actor, now: Any
) -> Change:
    seats, waiting = list(programme["seats"]), list(programme["waiting"])
    seated = [e for e in seats if e["id"] == enrolment_id]
    waits = [e for e in waiting if e["id"] == enrolment_id]
    if not seated and not waits:
        raise NotFound(enrolment_id)
    entry = (seated or waits)[0]
    was: Any = "enrolled" if seated else "waitlisted"
    seats = [e for e in seats if e["id"] != enrolment_id]
    waiting = [e for e in waiting if e["id"] != enrolment_id]
    taken = programme["taken"] - (entry["participants"] if seated else 0)
    events: list[Event] = [
        ev.ProgrammeEnrolmentCancelled(
            **_ids(programme, entry), was=was, cancelled_by=by, cancelled_at=now
        )
    ]
    taken = promote(programme, seats, waiting, taken, programme["capacity"], events, now)
    fields = {"seats": seats, "waiting": waiting, "taken": taken, "people": _people(seats, waiting)}
    promoted_ids = [e.enrolment_id for e in events[1:] if isinstance(e, ev.ProgrammePromoted)]
    answer = {"enrolment_id": enrolment_id, "status": "cancelled", "promoted": promoted_ids}
    return Change(fields, [_envelope(e, programme, office) for e in events], answer)


def promote(
    programme: Document,
    seats: list[Document],
    waiting: list[Document],
    taken: int,
    capacity: int,
    events: list[Event],
    now: Any,
) -> int:
    """Free seats go to the first waiting, strictly in order, in the caller's very update
    (exactly once): moves them from ``waiting`` to ``seats``, adds their events, and returns
    the seats then taken."""
    while waiting and taken + waiting[0]["participants"] <= capacity:
        promoted = waiting.pop(0)
        seats.append(promoted)
        taken += promoted["participants"]
        events.append(ev.ProgrammePromoted(**_ids(programme, promoted), promoted_at=now))
    return taken


def decide_attendance(
    programme: Document, office: Document, session_id: str, form: AttendanceForm, now: Any
) -> Change:
    sessions = [s for s in programme["sessions"] if s["id"] == session_id]
    if not sessions:
        raise NotFound(session_id)
    if sessions[0]["start"] > now:
        raise RuleViolation("session_id", "attendance is recorded once the session has started")
    seated = {e["id"]: e for e in programme["seats"]}
    marked: dict[str, int] = dict(programme["attendance"].get(session_id, {}))
    events = []
    for n, item in enumerate(form.attended):
        entry = seated.get(item.enrolment_id)
        if entry is None:
            raise RuleViolation(f"attended.{n}.enrolment_id", "not seated in this programme")
        came = entry["participants"] if item.participants is None else item.participants
        if came > entry["participants"]:
            raise RuleViolation(f"attended.{n}.participants", "more than the class enrolled")
        if item.enrolment_id in marked:
            continue  # recorded before: no second event
        marked[item.enrolment_id] = came
        ids = {**_ids(programme, entry), "participants": came}
        event = ev.SessionAttended(
            **ids, session_id=session_id, session_start=sessions[0]["start"], recorded_at=now
        )
        events.append(_envelope(event, programme, office))
    answer = {"session_id": session_id, "attended": marked}
    return Change({f"attendance.{session_id}": marked}, events, answer)


# --- use cases ---------------------------------------------------------------------------------


async def enrol(
    programmes: Programmes,
    staff: Staff,
    office_id: str,
    programme_id: str,
    form: EnrolForm,
    by: ev.Actor = "staff",
) -> Document:
    office = await context.office_for(programmes.ctx, staff, office_id)
    await open_programme(programmes, staff, office_id, programme_id)
    await context.check_owners(programmes.ctx, office_id, form.case_id, form.person_id, by)
    now = programmes.ctx.now()
    municipality = await enrolment_municipality(programmes, office, form)
    return await _change(
        programmes, programme_id, lambda p: decide_enrolment(p, office, form, by, now, municipality)
    )


async def enrolment_municipality(
    programmes: Programmes, office: Document, form: EnrolForm
) -> str | None:
    """Where an enrolment counts: the person's municipality when scheduling knows it from their
    case (case.opened), else the office's main one (a school class, a person without a case)."""
    if form.person_id is not None:
        known = await programmes.ctx.meeting_store.case_municipality(form.case_id, form.person_id)
        if known:
            return known
    return context.main_municipality(office)


async def cancel(
    programmes: Programmes,
    staff: Staff,
    office_id: str,
    programme_id: str,
    enrolment_id: str,
    by: ev.Actor = "staff",
) -> Document:
    office = await context.office_for(programmes.ctx, staff, office_id)
    await open_programme(programmes, staff, office_id, programme_id)
    now = programmes.ctx.now()
    return await _change(
        programmes, programme_id, lambda p: decide_cancel(p, office, enrolment_id, by, now)
    )


async def attend(
    programmes: Programmes,
    staff: Staff,
    office_id: str,
    programme_id: str,
    session_id: str,
    form: AttendanceForm,
) -> Document:
    office = await context.office_for(programmes.ctx, staff, office_id)
    await open_programme(programmes, staff, office_id, programme_id)
    now = programmes.ctx.now()
    return await _change(
        programmes, programme_id, lambda p: decide_attendance(p, office, session_id, form, now)
    )
