"""reporting's Kafka consumers, thin: one group per projection, plus the partner facts.

Each live handler looks up the active version of the read models for every event (a rebuild
may have switched it) and waits while a rebuild is switching over: it raises TransientError,
so the event is retried and, if need be, not committed and delivered again later.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from hoppid.reporting.context import Context
from hoppid.reporting.handlers import PROJECTIONS, Projection
from hoppid.reporting.public import public_fact
from hoppid.reporting.store import ProjectionStore
from hoppid.shared.consumer import TransientError
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.events import intake as ev
from hoppid.shared.service import Runtime

Handler = Callable[[Event, Envelope], Awaitable[None]]
PROJECTED_TOPICS = ("intake",)  # scheduling joins here when its events land


def install(runtime: Runtime, ctx: Context) -> None:
    topics = [runtime.topics.domain(name) for name in PROJECTED_TOPICS]
    for group, table in PROJECTIONS.items():
        consumer = runtime.consumer(group, topics)
        consumer.on(*(model.event_type for model in table))(_live(ctx, table))
    partner = runtime.consumer("partner-facts", topics)
    partner.on(ev.CaseOpened.event_type, ev.CompanyRegistered.event_type)(_partner(ctx))


def _live(ctx: Context, table: dict[type[Event], Projection]) -> Handler:
    async def handle(event: Event, envelope: Envelope) -> None:
        state = await ctx.versions.state()
        if state.switching(datetime.now(UTC)):
            raise TransientError("a rebuild is switching the read models over")
        store = ProjectionStore(ctx.database, state.active, ctx.locks)
        office = await table[type(event)](store, event, envelope)
        await ctx.gauges.refresh(store, office)

    return handle


def _partner(ctx: Context) -> Handler:
    async def handle(event: Event, envelope: Envelope) -> None:
        fact = public_fact(event, envelope)
        if fact is not None and await ctx.public_facts.publish_once(envelope.id, fact):
            ctx.notify()

    return handle
