"""The partner topic: PII-free facts from intake's and scheduling's events, via the outbox.

Only an allow-list of fields is copied into the public models (never ``public_data()`` of the
source: a field intake adds later must not leak by default). Each fact's CloudEvents id is
derived from its source event's id, so a re-publish carries the same id and partners can
deduplicate.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from functools import cache
from typing import Any

from hoppid.reporting.model import oslo_date, within_12_months
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.events import intake as ev
from hoppid.shared.events import reporting as public
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


def company_registered(event: ev.CompanyRegistered) -> public.PublicCompanyRegistered:
    shared = event.share_with_partners
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
    return _published(fact, held["event"], held["time"])


def public_fact(event: Event, source: Envelope) -> Envelope | None:
    """The partner fact for a source event, or None when there is none."""
    fact: public.PublicCaseOpened | public.PublicCompanyRegistered
    if isinstance(event, ev.CaseOpened):
        fact = case_opened(event)
    elif isinstance(event, ev.CompanyRegistered):
        fact = company_registered(event)
    else:
        return None
    return _published(fact, source.id, source.time)


def _published(
    fact: public.PublicCaseOpened | public.PublicCompanyRegistered | public.PublicMeetingHeld,
    source_id: str,
    source_time: datetime,
) -> Envelope:
    envelope = fact.to_envelope(
        source=public.SOURCE,
        subject=fact.office_id,
        office=fact.office_id,
        municipality=fact.municipality,
    )
    return replace(envelope, id=str(uuid.uuid5(_NAMESPACE, source_id)), time=source_time)
