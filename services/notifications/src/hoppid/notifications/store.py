"""notifications's MongoDB persistence: the one handle every part is given (``ctx.store``),
made of each feature's part: the copies (hoppid.notifications.copies.store), the deliveries
(hoppid.notifications.delivery.store) and the preferences
(hoppid.notifications.preferences.store), each with its collections and indexes.
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from hoppid.notifications.copies import store as copies
from hoppid.notifications.delivery import store as deliveries
from hoppid.notifications.preferences.store import PreferencesStore
from hoppid.shared.cache import TtlCache

Document = dict[str, Any]

INDEXES = [*deliveries.INDEXES, *copies.INDEXES]
OUTBOX_COLLECTIONS = deliveries.OUTBOX_COLLECTIONS


class NotificationsStore(copies.CopiesStore, deliveries.DeliveriesStore, PreferencesStore):
    def __init__(
        self,
        database: AsyncDatabase[Document],
        topic: str,
        offices_ttl_seconds: float = copies.OFFICES_TTL_SECONDS,
    ) -> None:
        self.db = database
        self.topic = topic
        self._recent_offices: TtlCache[str, Document | None] = TtlCache(offices_ttl_seconds)
