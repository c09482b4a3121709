"""The ``case-meetings`` consumer group: scheduling's meeting events into the projection.

Its own group on scheduling's domain topic, so it reads the topic from the start once and keeps
its own offsets; the shared consumer commits a batch's offsets after its records are handled,
and every change is guarded (projection.py), so a redelivery or a replay changes nothing twice.
"""

from __future__ import annotations

from hoppid.intake.meetings.projection import EVENTS, changes
from hoppid.intake.meetings.store import CaseMeetings
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.service import Runtime

GROUP = "case-meetings"


def attach(runtime: Runtime, meetings: CaseMeetings) -> None:
    consumer = runtime.consumer(GROUP, [runtime.topics.domain("scheduling")])

    @consumer.on(*(model.event_type for model in EVENTS))
    async def project(event: Event, envelope: Envelope) -> None:
        for change in changes(event):
            await meetings.apply(change)
