"""scheduling's Kafka subscribers, thin: intake's event -> handler. All are idempotent."""

from hoppid.contracts import intake as intake_events
from hoppid.scheduling import erasure, exports
from hoppid.scheduling.context import BoundHandler, Context, EventHandler
from hoppid.scheduling.desks.use_cases import Desks
from hoppid.scheduling.meetings import handlers as meeting_handlers
from hoppid.scheduling.offices import handlers as office_handlers
from hoppid.scheduling.programmes.use_cases import Programmes
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.service import Runtime


def install(runtime: Runtime, ctx: Context, programmes: Programmes, desks: Desks) -> None:
    intake_topic = runtime.topics.domain("intake")

    # offices first in their own group: a slow offer never holds back an office change
    offices = runtime.consumer("offices", [intake_topic])
    offices.on(intake_events.OfficeChanged.event_type)(_bind(office_handlers.learn_office, ctx))

    cases = runtime.consumer("cases", [intake_topic])
    cases.on(intake_events.CaseOpened.event_type)(_bind(meeting_handlers.offer_slots, ctx))
    cases.on(intake_events.AdvisorAssigned.event_type)(_bind(meeting_handlers.follow_advisor, ctx))
    cases.on(intake_events.ErasureRequested.event_type)(_erasure(programmes, desks))
    cases.on(intake_events.PersonExportRequested.event_type)(_export(programmes, desks))


def _erasure(programmes: Programmes, desks: Desks) -> BoundHandler:
    async def handle(event: Event, envelope: Envelope) -> None:
        await erasure.erase_person(programmes, desks, event, envelope)

    return handle


def _export(programmes: Programmes, desks: Desks) -> BoundHandler:
    async def handle(event: Event, envelope: Envelope) -> None:
        await exports.answer(programmes, desks, event, envelope)

    return handle


def _bind(handler: EventHandler, ctx: Context) -> BoundHandler:
    async def handle(event: Event, envelope: Envelope) -> None:
        await handler(ctx, event, envelope)

    return handle
