"""intake's Kafka subscribers, thin: another service's event -> a feature's handler.

Each group reads its topic from the start once and keeps its own offsets; the shared consumer
commits a batch's offsets after its records are handled, and every handler is idempotent.
"""

from typing import Any

from hoppid.contracts import notifications as notification_events
from hoppid.contracts import scheduling as scheduling_events
from hoppid.intake import person_export
from hoppid.intake.meetings import handlers as meeting_handlers
from hoppid.intake.meetings.projection import EVENTS as MEETING_EVENTS
from hoppid.intake.meetings.store import CaseMeetings
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.service import Runtime

CASE_MEETINGS = "case-meetings"  # scheduling's meeting events into the case's meetings
EXPORT_PARTS = "export-parts"  # the other services' parts of people's exports


def install(runtime: Runtime, meetings: CaseMeetings, exports: person_export.Exports) -> None:
    scheduling_topic = runtime.topics.domain("scheduling")
    case_meetings = runtime.consumer(CASE_MEETINGS, [scheduling_topic])

    @case_meetings.on(*(model.event_type for model in MEETING_EVENTS))
    async def project(event: Event, envelope: Envelope) -> None:
        await meeting_handlers.project(meetings, event)

    answers = [
        ("scheduling", scheduling_events.SchedulingExportAnswered),
        ("notifications", notification_events.NotificationsExportAnswered),
    ]
    parts = runtime.consumer(EXPORT_PARTS, [runtime.topics.domain(s) for s, _ in answers])
    for service, model in answers:
        parts.on(model.event_type)(_export_part(exports, service))


def _export_part(exports: person_export.Exports, service: str) -> Any:
    async def handle(event: Event, envelope: Envelope) -> None:
        await person_export.receive_part(exports, service, event, envelope)

    return handle
