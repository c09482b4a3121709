"""scheduling's Kafka subscribers, thin: intake's event -> handler. All are idempotent."""

from hoppid.scheduling import handlers
from hoppid.scheduling.handlers import Context
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.events import intake as intake_events
from hoppid.shared.service import Runtime


def install(runtime: Runtime, ctx: Context) -> None:
    intake_topic = runtime.topics.domain("intake")

    # offices first in their own group: a slow offer never holds back an office change
    offices = runtime.consumer("offices", [intake_topic])
    offices.on(intake_events.OfficeChanged.event_type)(_bind(handlers.learn_office, ctx))

    cases = runtime.consumer("cases", [intake_topic])
    cases.on(intake_events.CaseOpened.event_type)(_bind(handlers.offer_slots, ctx))
    cases.on(intake_events.ErasureRequested.event_type)(_bind(handlers.erase_person, ctx))


def _bind(handler: handlers.EventHandler, ctx: Context) -> handlers.BoundHandler:
    async def handle(event: Event, envelope: Envelope) -> None:
        await handler(ctx, event, envelope)

    return handle
