"""notifications's MongoDB persistence: the one handle every part is given (``ctx.store``),
made of each feature's part: the copies (hoppid.notifications.copies.store), the deliveries
(hoppid.notifications.delivery.store) and the preferences
(hoppid.notifications.preferences.store), each with its collections and indexes, and the
answers to people's export requests.

What the reactions, delivery and pages may ask of it is :class:`Repositories`; the in-memory
version for unit tests is hoppid.notifications.memory.
"""

from __future__ import annotations

from typing import Any, Protocol

from pymongo.asynchronous.database import AsyncDatabase

from hoppid.notifications.copies import store as copies
from hoppid.notifications.copies.store import Copies
from hoppid.notifications.delivery import store as deliveries
from hoppid.notifications.delivery.store import Deliveries
from hoppid.notifications.preferences.store import Preferences, PreferencesStore
from hoppid.shared.cache import TtlCache
from hoppid.shared.events import Event
from hoppid.shared.export_answers import ExportAnswer, ExportAnswerStore
from hoppid.shared.pii import PersonalDataVault

Document = dict[str, Any]

INDEXES = [*deliveries.INDEXES, *copies.INDEXES]
OUTBOX_COLLECTIONS = deliveries.OUTBOX_COLLECTIONS


class ExportAnswers(Protocol):
    """The answers to people's export requests, one per export (hoppid.notifications.exports)."""

    async def export_answered(self, export_id: str) -> bool: ...
    async def keep_export_answer(
        self, vault: PersonalDataVault, answered: ExportAnswer, model: type[Event], source: str
    ) -> bool: ...


class Repositories(Copies, Deliveries, Preferences, ExportAnswers, Protocol):
    """Everything notifications keeps, as its parts see it."""


class NotificationsStore(
    copies.CopiesStore, deliveries.DeliveriesStore, PreferencesStore, ExportAnswerStore
):
    def __init__(
        self,
        database: AsyncDatabase[Document],
        topic: str,
        offices_ttl_seconds: float = copies.OFFICES_TTL_SECONDS,
    ) -> None:
        self.db = database
        self.topic = topic
        self._recent_offices: TtlCache[str, Document | None] = TtlCache(offices_ttl_seconds)
