"""reporting's use cases on the write side: one function per event a projection handles.

The same functions serve the live consumers and the rebuild; they only ever see one version's
store. Case events record *facts* of the case and then apply whatever the facts now contribute
(cases.derive_case), so a case's events may come in any order and any number of times. Events
that stand alone (an application, an introduction) contribute directly. Nothing here stores a
person id, a name or text: people and organisation numbers are kept as one-way digests.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from hoppid.contracts import intake as ev
from hoppid.contracts import scheduling as sc
from hoppid.reporting.model import (
    UNKNOWN_MUNICIPALITY,
    Cell,
    Contribution,
    Derived,
    digest,
    oslo_month,
    within_12_months,
)
from hoppid.reporting.projection.cases import derive_case
from hoppid.reporting.projection.desks import derive_seat
from hoppid.reporting.projection.meetings import derive_meetings
from hoppid.reporting.projection.programmes import attendance, derive_enrolment, enrolment_key
from hoppid.reporting.projection.store import Projecting
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event

Projection = Callable[[Projecting, Any, Envelope], Awaitable[str]]
MeetingEvent = (
    sc.MeetingBooked
    | sc.MeetingRescheduled
    | sc.MeetingCancelled
    | sc.MeetingHeld
    | sc.MeetingMissed
)


async def apply_derived(store: Projecting, derived: list[Derived], done: list[str]) -> None:
    """Apply each contribution not yet marked done; apply() is itself once-only."""
    for item in derived:
        if item.id in done:
            continue
        contribution = item if isinstance(item, Contribution) else await store.resolve(item)
        await store.apply(contribution)


async def _case_facts(store: Projecting, case_id: str, facts: dict[str, Any]) -> None:
    if await store.is_dropped(case_id):  # past its period: counted once, never again
        return
    case = await store.record_case(case_id, facts)
    derived: list[Derived] = [*derive_case(case_id, case), *derive_meetings(case)]
    await apply_derived(store, derived, case.get("done", []))
    await store.mark_done(case_id, [item.id for item in derived])


# --- figures projection ----------------------------------------------------------------------


async def on_case_opened(store: Projecting, event: ev.CaseOpened, envelope: Envelope) -> str:
    opened = {
        "office": event.office_id,
        "municipality": event.municipality,
        "month": oslo_month(event.opened_at),
        "year": oslo_month(event.opened_at)[:4],
        "at": event.opened_at,  # for the time to the first meeting
        "stage": event.stage,
        "needs": sorted(set(event.needs)),
        "person": digest("person", event.person_id),
        "event": envelope.id,
        "tracked": True,  # its status changes are recorded too (retention.py judges by them)
    }
    await _case_facts(store, event.case_id, {"opened": opened})
    return event.office_id


async def on_status_changed(
    store: Projecting, event: ev.CaseStatusChanged, envelope: Envelope
) -> str:
    # every change, for retention (its last change, and whether it rests: retention.py)
    facts: dict[str, Any] = {
        f"changes.{envelope.id}": {"at": event.changed_at, "to": event.to_status}
    }
    if event.to_status in ("contacted", "in_guidance", "company_registered"):
        facts[f"reached.{event.to_status}"] = envelope.id
    await _case_facts(store, event.case_id, facts)
    return event.office_id


async def on_company_registered(
    store: Projecting, event: ev.CompanyRegistered | ev.CompanyRegisteredV2, envelope: Envelope
) -> str:
    # v2's number is sealed: the live consumer reads it unsealed, the rebuild and a consumer
    # after the person's erasure read None, and the company counts once per case instead
    org = digest("org", event.org_number) if event.org_number else f"case:{event.case_id}"
    company = {
        "office": event.office_id,
        "municipality": event.municipality,
        "month": event.registered_on.strftime("%Y-%m"),
        "within_12": within_12_months(event.first_contact_at, event.registered_on),
        "org": org,
        "event": envelope.id,
    }
    await _case_facts(store, event.case_id, {"company": company})
    return event.office_id


def _event_cell(office: str, envelope: Envelope, month: str) -> Cell:
    # intake puts the case's municipality on every case event (the ce_municipality extension)
    return Cell(office, envelope.municipality or UNKNOWN_MUNICIPALITY, month)


async def on_application_recorded(
    store: Projecting, event: ev.ApplicationRecorded, envelope: Envelope
) -> str:
    cell = _event_cell(event.office_id, envelope, oslo_month(event.recorded_at))
    inc = {"applications_recorded": 1, "applications_asked_nok": event.amount_asked_nok}
    await store.apply(
        Contribution(f"application:{event.application_id}", cell, inc, (envelope.id,))
    )
    return event.office_id


async def on_application_decided(
    store: Projecting, event: ev.ApplicationDecided, envelope: Envelope
) -> str:
    """Each outcome counts once per application (a second 'granted' adds nothing)."""
    cell = _event_cell(event.office_id, envelope, oslo_month(event.decided_at))
    inc = {f"applications_{event.outcome}": 1}
    if event.outcome == "granted":
        inc["granted_amount_nok"] = event.amount_granted_nok
    contribution_id = f"decision:{event.outcome}:{event.application_id}"
    await store.apply(Contribution(contribution_id, cell, inc, (envelope.id,)))
    return event.office_id


async def on_introduction_made(
    store: Projecting, event: ev.IntroductionMade, envelope: Envelope
) -> str:
    cell = _event_cell(event.office_id, envelope, oslo_month(event.made_at))
    inc = {"introductions": 1, f"introductions_{event.kind}": 1}
    await store.apply(
        Contribution(f"introduction:{event.introduction_id}", cell, inc, (envelope.id,))
    )
    return event.office_id


# --- meetings (scheduling): facts of the meeting's case ---------------------------------------


async def _meeting_fact(store: Projecting, event: MeetingEvent, fact: str, value: Any) -> str:
    await _case_facts(store, event.case_id, {f"meetings.{event.booking_id}.{fact}": value})
    return event.office_id


async def on_meeting_booked(store: Projecting, event: sc.MeetingBooked, envelope: Envelope) -> str:
    booked = {
        "office": event.office_id,
        "month": oslo_month(event.booked_at),
        "start": event.start,
        "type": event.meeting_type,
        "event": envelope.id,
    }
    return await _meeting_fact(store, event, "booked", booked)


async def on_meeting_rescheduled(
    store: Projecting, event: sc.MeetingRescheduled, envelope: Envelope
) -> str:
    move = {"start": event.start, "at": event.rescheduled_at}
    return await _meeting_fact(store, event, f"moved.{envelope.id}", move)


async def on_meeting_cancelled(
    store: Projecting, event: sc.MeetingCancelled, envelope: Envelope
) -> str:
    cancelled = {
        "office": event.office_id,
        "month": oslo_month(event.cancelled_at),
        "event": envelope.id,
    }
    return await _meeting_fact(store, event, "cancelled", cancelled)


async def on_meeting_outcome(
    store: Projecting, event: sc.MeetingHeld | sc.MeetingMissed, envelope: Envelope
) -> str:
    outcome = {
        "office": event.office_id,
        "month": oslo_month(event.start),
        "start": event.start,
        "event": envelope.id,
    }
    kind = "held" if isinstance(event, sc.MeetingHeld) else "missed"
    return await _meeting_fact(store, event, kind, outcome)


# --- group programmes and desks (scheduling): facts of the enrolment / seat booking -----------


async def _enrolment_fact(
    store: Projecting,
    event: sc.ProgrammeEnrolled | sc.ProgrammePromoted | sc.ProgrammeEnrolmentCancelled,
    fact: str,
    value: dict[str, Any],
) -> str:
    key = enrolment_key(event.programme_id, event.enrolment_id)
    document = await store.record_facts("enrolments", key, {fact: value})
    derived: list[Derived] = [*derive_enrolment(key, document)]
    await apply_derived(store, derived, document.get("done", []))
    await store.mark_facts_done("enrolments", key, [item.id for item in derived])
    return event.office_id


def _seat(
    event: sc.ProgrammeEnrolled | sc.ProgrammePromoted, moment: datetime, envelope: Envelope
) -> dict[str, Any]:
    return {
        "office": event.office_id,
        "kind": event.kind,
        "month": oslo_month(moment),
        "municipality": event.municipality,  # None in events older than the field: 0000
        "participants": event.participants,  # a head count (1 for a person), never who
        "event": envelope.id,
    }


async def on_programme_enrolled(
    store: Projecting, event: sc.ProgrammeEnrolled, envelope: Envelope
) -> str:
    return await _enrolment_fact(
        store, event, "enrolled", _seat(event, event.enrolled_at, envelope)
    )


async def on_programme_promoted(
    store: Projecting, event: sc.ProgrammePromoted, envelope: Envelope
) -> str:
    return await _enrolment_fact(
        store, event, "promoted", _seat(event, event.promoted_at, envelope)
    )


async def on_enrolment_cancelled(
    store: Projecting, event: sc.ProgrammeEnrolmentCancelled, envelope: Envelope
) -> str:
    return await _enrolment_fact(
        store, event, "cancelled", {"was": event.was, "event": envelope.id}
    )


async def on_session_attended(
    store: Projecting, event: sc.SessionAttended, envelope: Envelope
) -> str:
    key = enrolment_key(event.programme_id, event.enrolment_id)
    month = oslo_month(event.session_start)
    await store.apply(
        attendance(
            key,
            event.session_id,
            event.office_id,
            event.kind,
            event.participants,
            month,
            envelope.id,
            event.municipality,
        )
    )
    return event.office_id


async def _seat_fact(
    store: Projecting,
    event: sc.SeatBooked | sc.SeatCheckedIn | sc.SeatReleased,
    fact: str,
    envelope: Envelope,
    **more: Any,
) -> str:
    value = {
        "office": event.office_id,
        "month": event.day.strftime("%Y-%m"),
        "municipality": event.municipality,  # None in events older than the field: 0000
        "event": envelope.id,
        **more,
    }
    document = await store.record_facts("seats", event.seat_booking_id, {fact: value})
    derived: list[Derived] = [*derive_seat(event.seat_booking_id, document)]
    await apply_derived(store, derived, document.get("done", []))
    await store.mark_facts_done("seats", event.seat_booking_id, [item.id for item in derived])
    return event.office_id


async def on_seat_booked(store: Projecting, event: sc.SeatBooked, envelope: Envelope) -> str:
    return await _seat_fact(store, event, "booked", envelope)


async def on_seat_checked_in(store: Projecting, event: sc.SeatCheckedIn, envelope: Envelope) -> str:
    return await _seat_fact(store, event, "checked_in", envelope)


async def on_seat_released(store: Projecting, event: sc.SeatReleased, envelope: Envelope) -> str:
    return await _seat_fact(store, event, "released", envelope, reason=event.reason)


# --- offices projection (budgets) ------------------------------------------------------------


async def on_office_changed(store: Projecting, event: ev.OfficeChanged, envelope: Envelope) -> str:
    change = {
        "at": event.changed_at,
        "eur": event.yearly_budget_eur,
        "name": event.name,
        "event": envelope.id,
    }
    await store.record_office(event.office_id, envelope.id, change)
    return event.office_id


FIGURES: dict[type[Event], Projection] = {
    ev.CaseOpened: on_case_opened,
    ev.CaseStatusChanged: on_status_changed,
    ev.CompanyRegistered: on_company_registered,
    ev.CompanyRegisteredV2: on_company_registered,
    ev.ApplicationRecorded: on_application_recorded,
    ev.ApplicationDecided: on_application_decided,
    ev.IntroductionMade: on_introduction_made,
    sc.MeetingBooked: on_meeting_booked,
    sc.MeetingRescheduled: on_meeting_rescheduled,
    sc.MeetingCancelled: on_meeting_cancelled,
    sc.MeetingHeld: on_meeting_outcome,
    sc.MeetingMissed: on_meeting_outcome,
    sc.ProgrammeEnrolled: on_programme_enrolled,
    sc.ProgrammePromoted: on_programme_promoted,
    sc.ProgrammeEnrolmentCancelled: on_enrolment_cancelled,
    sc.SessionAttended: on_session_attended,
    sc.SeatBooked: on_seat_booked,
    sc.SeatCheckedIn: on_seat_checked_in,
    sc.SeatReleased: on_seat_released,
}
OFFICES: dict[type[Event], Projection] = {ev.OfficeChanged: on_office_changed}

# Every projection by its consumer group name: the live consumers and the rebuild use this table.
# scheduling's meetings, programmes and desks are in FIGURES: they add to the same cells.
PROJECTIONS: dict[str, dict[type[Event], Projection]] = {"figures": FIGURES, "offices": OFFICES}
# The event types some projection handles: the rebuild skips the others unparsed, as the live
# consumers (which unseal personal fields first) simply have no handler for them.
PROJECTED_TYPES = frozenset(model.event_type for table in PROJECTIONS.values() for model in table)


def facts_of(event: Event) -> tuple[str, str] | None:
    """The facts document (collection, key) an event's projection reads, if any: the rebuild
    reads a whole window's back from the store at once (rebuild.store.prefetch)."""
    match event:
        case (
            ev.CaseOpened()
            | ev.CaseStatusChanged()
            | ev.CompanyRegistered()
            | ev.CompanyRegisteredV2()
        ):
            return "cases", event.case_id
        case (
            sc.MeetingBooked()
            | sc.MeetingRescheduled()
            | sc.MeetingCancelled()
            | sc.MeetingHeld()
            | sc.MeetingMissed()
        ):
            return "cases", event.case_id
        case sc.ProgrammeEnrolled() | sc.ProgrammePromoted() | sc.ProgrammeEnrolmentCancelled():
            return "enrolments", enrolment_key(event.programme_id, event.enrolment_id)
        case sc.SeatBooked() | sc.SeatCheckedIn() | sc.SeatReleased():
            return "seats", event.seat_booking_id
        case ev.OfficeChanged():
            return "offices", event.office_id
    return None


async def project(store: Projecting, event: Event, envelope: Envelope) -> str | None:
    """Apply one event to every projection that handles it (the rebuild's path)."""
    office = None
    for table in PROJECTIONS.values():
        handler = table.get(type(event))
        if handler is not None:
            office = await handler(store, event, envelope)
    return office
