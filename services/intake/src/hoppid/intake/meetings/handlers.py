"""What intake does when one of scheduling's meeting events arrives: the case's meeting row
changes (projection.py says how). Every change is guarded, so a redelivery or a replay changes
nothing twice; consumers.py subscribes it in its own group."""

from __future__ import annotations

from hoppid.intake.meetings.projection import changes
from hoppid.intake.meetings.store import CaseMeetings
from hoppid.shared.events import Event


async def project(meetings: CaseMeetings, event: Event) -> None:
    for change in changes(event):
        await meetings.apply(change)
