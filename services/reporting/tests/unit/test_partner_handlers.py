"""The partner handlers (consumers.py) on the in-memory partner repositories (reporting.memory,
held to the Mongo ones by tests/contract/test_partner_repository.py): a consented person's
company fact carries the organisation number once, a redelivery publishes nothing, and after a
withdrawal every fact that carried it is retracted and no later one carries it.

The handlers are taken from ``consumers.install`` (a runtime that only records them), so each
event reaches the handler the service would give it. Every time is fixed; none is read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any, cast

from prometheus_client import CollectorRegistry

from hoppid.contracts import intake as ev
from hoppid.contracts import reporting as public
from hoppid.reporting import consumers
from hoppid.reporting.consumers import Handler
from hoppid.reporting.context import Context
from hoppid.reporting.figures.gauges import BusinessGauges
from hoppid.reporting.figures.public import retraction_id
from hoppid.reporting.memory import MemoryPartnerCases, MemoryPartnerPeople, MemoryPublicFacts
from hoppid.reporting.model import digest
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event

OFFICE, MUNICIPALITY, PERSON = "nordveggen", "1539", "person-1"
FIRST_CONTACT = datetime(2025, 9, 1, 9, 0, tzinfo=UTC)
REGISTERED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WITHDRAWN_AT = datetime(2026, 3, 10, 14, 30, tzinfo=UTC)


class RecordingConsumer:
    def __init__(self, handlers: dict[str, Handler]) -> None:
        self.handlers = handlers

    def on(self, *event_types: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for event_type in event_types:
                self.handlers[event_type] = handler
            return handler

        return register


class RecordingRuntime:
    """What consumers.install asks of a runtime: topics' names and consumers to register on."""

    def __init__(self) -> None:
        self.groups: dict[str, dict[str, Handler]] = {}
        self.topics = self

    def domain(self, name: str) -> str:
        return f"hoppid.{name}"

    def consumer(self, group: str, topics: list[str]) -> RecordingConsumer:
        return RecordingConsumer(self.groups.setdefault(group, {}))


class Partners:
    def __init__(self) -> None:
        self.people = MemoryPartnerPeople()
        self.facts = MemoryPublicFacts()
        self.notified = 0
        ctx = Context(
            # the company and withdrawal handlers read no version of the read models: no store
            database=cast(Any, None),
            versions=cast(Any, None),
            keys=cast(Any, None),
            public_facts=self.facts,
            partner_cases=MemoryPartnerCases(),
            partner_people=self.people,
            gauges=BusinessGauges(CollectorRegistry()),
            notify=self.notify,
        )
        runtime = RecordingRuntime()
        consumers.install(cast(Any, runtime), ctx)
        self.handlers = runtime.groups["partner-facts"]

    def notify(self) -> None:
        self.notified += 1

    async def deliver(self, event: Event, envelope: Envelope) -> None:
        await self.handlers[event.event_type](event, envelope)

    def published(self) -> list[tuple[str, dict[str, Any]]]:
        return [(e.type, dict(e.data)) for e in self.facts.published.values()]


def registered(case_id: str, org_number: str, share: bool = True) -> tuple[Event, Envelope]:
    event = ev.CompanyRegisteredV2(
        case_id=case_id,
        office_id=OFFICE,
        person_id=PERSON,
        municipality=MUNICIPALITY,
        org_number=org_number,
        registered_on=date(2026, 3, 2),
        share_with_partners=share,
        first_contact_at=FIRST_CONTACT,
    )
    envelope = event.to_envelope(
        source=ev.SOURCE, subject=case_id, office=OFFICE, municipality=MUNICIPALITY
    )
    return event, replace(envelope, time=REGISTERED_AT)


def withdrawn() -> tuple[Event, Envelope]:
    event = ev.PartnerSharingWithdrawn(person_id=PERSON, withdrawn_at=WITHDRAWN_AT)
    envelope = event.to_envelope(source=ev.SOURCE, subject=PERSON)
    return event, replace(envelope, time=WITHDRAWN_AT)


async def test_a_consented_persons_fact_is_shared_once() -> None:
    partners = Partners()
    event, envelope = registered("case-1", "912345670")
    await partners.deliver(event, envelope)
    [(kind, data)] = partners.published()
    assert kind == public.PublicCompanyRegistered.event_type
    assert data["org_number"] == "912345670"
    person = await partners.people.find(digest("person", PERSON))
    assert person is not None
    assert list(person["shared"].values()) == [
        {"id": partners.facts.published[envelope.id].id, "office": OFFICE, "municipality": "1539"}
    ]
    await partners.deliver(event, envelope)  # a redelivery
    assert len(partners.published()) == 1
    assert partners.notified == 1


async def test_a_person_who_did_not_consent_is_not_recorded() -> None:
    partners = Partners()
    await partners.deliver(*registered("case-1", "912345670", share=False))
    [(_, data)] = partners.published()
    assert data["org_number"] is None
    assert await partners.people.find(digest("person", PERSON)) is None


async def test_a_withdrawn_persons_facts_are_retracted_and_stop() -> None:
    partners = Partners()
    first = registered("case-1", "912345670")
    await partners.deliver(*first)
    shared_id = partners.facts.published[first[1].id].id
    await partners.deliver(*withdrawn())
    await partners.deliver(*withdrawn())  # a redelivery retracts nothing more
    assert list(partners.facts.published) == [first[1].id, retraction_id(shared_id)]
    kind, data = partners.published()[1]
    assert kind == public.PublicCompanyRetracted.event_type
    assert data["retracted_ids"] == [shared_id]

    later = registered("case-2", "987654321")
    await partners.deliver(*later)  # after the withdrawal: published without the number
    assert len(partners.published()) == 3
    assert partners.published()[2][1]["org_number"] is None
    person = await partners.people.find(digest("person", PERSON))
    assert person is not None
    assert list(person["shared"]) == [shared_id]
    assert person["withdrawn_at"] == WITHDRAWN_AT
