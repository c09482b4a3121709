"""reporting's Kafka consumers, thin: one group per projection, plus the partner facts.

Each live handler looks up the active version of the read models for every event (a rebuild
may have switched it) and waits while a rebuild is switching over: it raises TransientError,
so the event is retried and, if need be, not committed and delivered again later.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from hoppid.contracts import intake as ev
from hoppid.contracts import scheduling as sc
from hoppid.reporting.context import Context
from hoppid.reporting.figures.public import (
    company_fact,
    meeting_held,
    public_fact,
    retraction,
    retraction_id,
)
from hoppid.reporting.model import digest, oslo_month
from hoppid.reporting.projection.handlers import PROJECTIONS, Projection
from hoppid.reporting.projection.store import ProjectionStore
from hoppid.shared.clock import real_now
from hoppid.shared.consumer import TransientError
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.events.base import expected
from hoppid.shared.service import Runtime

Handler = Callable[[Event, Envelope], Awaitable[None]]
PROJECTED_TOPICS = ("intake", "scheduling")


def install(runtime: Runtime, ctx: Context) -> None:
    topics = [runtime.topics.domain(name) for name in PROJECTED_TOPICS]
    for group, table in PROJECTIONS.items():
        consumer = runtime.consumer(group, topics)
        consumer.on(*(model.event_type for model in table))(_live(ctx, table))
    partner = runtime.consumer("partner-facts", topics)
    partner.on(ev.CaseOpened.event_type)(_partner(ctx))
    partner.on(ev.CompanyRegistered.event_type, ev.CompanyRegisteredV2.event_type)(_company(ctx))
    partner.on(ev.PartnerSharingWithdrawn.event_type, ev.ErasureRequested.event_type)(
        _withdrawn(ctx)
    )
    partner.on(sc.MeetingHeld.event_type)(_partner_meeting(ctx))


def _live(ctx: Context, table: dict[type[Event], Projection]) -> Handler:
    async def handle(event: Event, envelope: Envelope) -> None:
        state = await ctx.versions.state()
        if state.switching(real_now()):
            raise TransientError("a rebuild is switching the read models over")
        store = ProjectionStore(ctx.database, state.active)
        office = await table[type(event)](store, event, envelope)
        await ctx.gauges.refresh(store, office)

    return handle


async def _dropped(ctx: Context, case_id: str) -> bool:
    """Retention dropped the case (retention.py): its late events publish and record nothing."""
    return await (await ctx.active_store()).is_dropped(case_id)


def _partner(ctx: Context) -> Handler:
    async def handle(event: Event, envelope: Envelope) -> None:
        if isinstance(event, ev.CaseOpened) and await _dropped(ctx, event.case_id):
            return
        fact = public_fact(event, envelope)
        if fact is not None and await ctx.public_facts.publish_once(envelope.id, fact):
            ctx.notify()
        if isinstance(event, ev.CaseOpened):  # held meetings of this case may be waiting for it
            case = await ctx.partner_cases.record(
                event.case_id, {"municipality": event.municipality}
            )
            await _publish_held(ctx, case)

    return handle


def _company(ctx: Context) -> Handler:
    """A company fact, with its organisation number only while the person lets partners see it.

    A fact that carries the number is recorded with the person (PartnerPeople.share) before it
    is published, unless they withdrew: then it is published without. Should the withdrawal be
    handled between the record and the publication (another partition, another replica), the
    fact is retracted here too (the same retraction record, whoever publishes it first)."""

    async def handle(event: Event, envelope: Envelope) -> None:
        if not isinstance(event, ev.CompanyRegistered | ev.CompanyRegisteredV2):
            raise TypeError(f"the company handler was given {event.event_type}")
        person = digest("person", event.person_id)
        fact = company_fact(event, envelope)
        shared = {"id": fact.id, "office": event.office_id, "municipality": event.municipality}
        carries = fact.data.get("org_number") is not None
        if carries and not await ctx.partner_people.share(person, shared):
            fact, carries = company_fact(event, envelope, withdrawn=True), False
        if await ctx.public_facts.publish_once(envelope.id, fact):
            ctx.notify()
        if carries:
            found = await ctx.partner_people.find(person)
            if found is not None and found.get("withdrawn_at") is not None:
                await _retract(ctx, [shared], found["withdrawn_at"])

    return handle


def _withdrawn(ctx: Context) -> Handler:
    """The person withdrew the partner-sharing agreement, or asked for erasure: every fact that
    carried their organisation number is retracted on the partner topic, none is shared again."""

    async def handle(event: Event, envelope: Envelope) -> None:
        if not isinstance(event, ev.PartnerSharingWithdrawn | ev.ErasureRequested):
            raise TypeError(f"the partner-sharing handler was given {event.event_type}")
        if isinstance(event, ev.PartnerSharingWithdrawn):
            at = event.withdrawn_at
        else:
            at = event.requested_at
        found = await ctx.partner_people.withdraw(digest("person", event.person_id), at)
        await _retract(ctx, list((found.get("shared") or {}).values()), found["withdrawn_at"])

    return handle


async def _retract(ctx: Context, facts: list[dict[str, Any]], at: datetime) -> None:
    for shared in facts:
        if await ctx.public_facts.publish_once(retraction_id(shared["id"]), retraction(shared, at)):
            ctx.notify()


def _partner_meeting(ctx: Context) -> Handler:
    """A held meeting is a partner fact once its case's municipality is known (case.opened)."""

    async def handle(event: Event, envelope: Envelope) -> None:
        event = expected(event, sc.MeetingHeld)
        if await _dropped(ctx, event.case_id):
            return
        held = {
            "office": event.office_id,
            "type": event.meeting_type,
            "month": oslo_month(event.start),
            "event": envelope.id,
        }
        case = await ctx.partner_cases.record(event.case_id, {f"held.{event.booking_id}": held})
        await _publish_held(ctx, case)

    return handle


async def _publish_held(ctx: Context, case: dict[str, Any]) -> None:
    """Publish each held meeting of the case once (keyed by the held event's id)."""
    municipality = case.get("municipality")
    if not municipality:
        return
    for held in case.get("held", {}).values():
        if await ctx.public_facts.publish_once(held["event"], meeting_held(held, municipality)):
            ctx.notify()
