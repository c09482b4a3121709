"""What reporting's consumers, API and gauges share: made once by main.bootstrap."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from hoppid.reporting.figures.gauges import BusinessGauges
from hoppid.reporting.projection.store import ProjectionStore
from hoppid.reporting.store import (
    PartnerCaseRepository,
    PartnerPeopleRepository,
    PublicFactsOutbox,
    Versions,
)
from hoppid.shared.access import KeyRing


@dataclass
class Context:
    database: AsyncDatabase[dict[str, Any]]
    versions: Versions
    keys: KeyRing  # the platform's staff keys, from intake's key events
    public_facts: PublicFactsOutbox
    partner_cases: PartnerCaseRepository
    partner_people: PartnerPeopleRepository
    gauges: BusinessGauges
    notify: Callable[[], None]  # wakes the outbox relay after a write

    async def active_store(self) -> ProjectionStore:
        """The read models queries read: the active version."""
        state = await self.versions.state()
        return ProjectionStore(self.database, state.active)
