"""The partner topic: PII-free facts from intake's and scheduling's events, via the outbox.

Only an allow-list of fields is copied into the public models (never ``public_data()`` of the
source: a field intake adds later must not leak by default). Each fact's CloudEvents id is
derived from its source event's id, so a re-publish carries the same id and partners can
deduplicate. Its CloudEvents time is the first instant (Europe/Oslo) of the fact's own
precision, the day or the month it names (:func:`fact_time`), never the source event's exact time,
which would undo the rounding of the fact.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime, time
from functools import cache
from typing import Any

from hoppid.contracts import intake as ev
from hoppid.contracts import reporting as public
from hoppid.reporting.model import OSLO, oslo_date, within_12_months
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.tenancy import load_municipalities

_NAMESPACE = uuid.UUID("5d8c8e8e-2f6b-4c1e-9a53-7f1f3c0b6a11")


@cache
def municipality_names() -> dict[str, str]:
    return {m.number: m.name for m in load_municipalities()}


def _name(number: str) -> str:
    return municipality_names().get(number, "")


def case_opened(event: ev.CaseOpened) -> public.PublicCaseOpened:
    return public.PublicCaseOpened(
        office_id=event.office_id,
        municipality=event.municipality,
        municipality_name=_name(event.municipality),
        needs=sorted(set(event.needs)),
        stage=event.stage,
        opened_on=oslo_date(event.opened_at),
    )


Company = ev.CompanyRegistered | ev.CompanyRegisteredV2


def company_registered(
    event: Company, *, withdrawn: bool = False
) -> public.PublicCompanyRegistered:
    """The fact; its organisation number and date only when the person agreed to share them and
    has not withdrawn that since (nor been erased: then the sealed number reads None)."""
    shared = event.share_with_partners and event.org_number is not None and not withdrawn
    return public.PublicCompanyRegistered(
        office_id=event.office_id,
        municipality=event.municipality,
        municipality_name=_name(event.municipality),
        registered_month=event.registered_on.strftime("%Y-%m"),
        within_12_months_of_first_contact=within_12_months(
            event.first_contact_at, event.registered_on
        ),
        org_number=event.org_number if shared else None,
        registered_on=event.registered_on if shared else None,
    )


def meeting_held(held: Mapping[str, Any], municipality: str) -> Envelope:
    """The partner fact of a held meeting (recorded by partner.py), once its case is known."""
    fact = public.PublicMeetingHeld(
        office_id=held["office"],
        municipality=municipality,
        municipality_name=_name(municipality),
        meeting_type=held["type"],
        held_month=held["month"],
    )
    return _published(fact, held["event"])


def company_fact(event: Company, source: Envelope, *, withdrawn: bool = False) -> Envelope:
    """The partner fact of a registered company (:func:`company_registered`), as published."""
    return _published(company_registered(event, withdrawn=withdrawn), source.id)


def public_fact(event: Event, source: Envelope, *, withdrawn: bool = False) -> Envelope | None:
    """The partner fact for a source event, or None when there is none."""
    fact: public.PublicCaseOpened | public.PublicCompanyRegistered
    if isinstance(event, ev.CaseOpened):
        fact = case_opened(event)
    elif isinstance(event, ev.CompanyRegistered | ev.CompanyRegisteredV2):
        fact = company_registered(event, withdrawn=withdrawn)
    else:
        return None
    return _published(fact, source.id)


def retraction(shared: Mapping[str, Any], at: datetime) -> Envelope:
    """The retraction of a fact that carried an organisation number (``shared``: its ce_id,
    office and municipality, as PartnerPeople recorded it), keyed like that fact (the office).
    Its id is derived from the fact's, so every retraction of one fact is the same record; its
    time is the day (Europe/Oslo) of the withdrawal or erasure, no finer."""
    fact = public.PublicCompanyRetracted(
        office_id=shared["office"],
        municipality=shared["municipality"],
        retracted_ids=[shared["id"]],
    )
    envelope = fact.to_envelope(
        source=public.SOURCE,
        subject=fact.office_id,
        office=fact.office_id,
        municipality=fact.municipality,
    )
    day = datetime.combine(oslo_date(at), time(), tzinfo=OSLO)
    return replace(envelope, id=retraction_id(shared["id"]), time=day)


def retraction_id(fact_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"retracted:{fact_id}"))


Fact = public.PublicCaseOpened | public.PublicCompanyRegistered | public.PublicMeetingHeld


def fact_time(fact: Fact) -> datetime:
    """The fact's time as precise as the fact itself: the Oslo midnight of the day a case
    opened, the first instant of the month a company was registered or a meeting held."""
    if isinstance(fact, public.PublicCaseOpened):
        day = fact.opened_on
    elif isinstance(fact, public.PublicMeetingHeld):
        day = date.fromisoformat(f"{fact.held_month}-01")
    else:
        day = date.fromisoformat(f"{fact.registered_month}-01")
    return datetime.combine(day, time(), tzinfo=OSLO)


def _published(fact: Fact, source_id: str) -> Envelope:
    envelope = fact.to_envelope(
        source=public.SOURCE,
        subject=fact.office_id,
        office=fact.office_id,
        municipality=fact.municipality,
    )
    return replace(envelope, id=str(uuid.uuid5(_NAMESPACE, source_id)), time=fact_time(fact))
