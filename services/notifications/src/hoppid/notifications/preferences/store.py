"""The preferences' persistence: which channels a person lets non-essential messages through,
by person id. A mixin of :class:`hoppid.notifications.store.NotificationsStore`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from pymongo.asynchronous.database import AsyncDatabase

Document = dict[str, Any]

PREFERENCES = "preferences"


class Preferences(Protocol):
    """The preferences' repository: :class:`PreferencesStore` (MongoDB) and
    :class:`hoppid.notifications.preferences.memory.MemoryPreferences` (unit tests)."""

    async def preferences(self, person_id: str) -> Document | None: ...
    async def set_preferences(self, person_id: str, fields: Mapping[str, Any]) -> None: ...
    async def forget_preferences(self, person_id: str) -> None: ...


class PreferencesStore:
    db: AsyncDatabase[Document]

    # --- preferences: which channels a person lets non-essential messages through ----------
    async def preferences(self, person_id: str) -> Document | None:
        return await self.db[PREFERENCES].find_one({"_id": person_id})

    async def set_preferences(self, person_id: str, fields: Mapping[str, Any]) -> None:
        await self.db[PREFERENCES].update_one(
            {"_id": person_id}, {"$set": dict(fields)}, upsert=True
        )

    async def forget_preferences(self, person_id: str) -> None:
        await self.db[PREFERENCES].delete_one({"_id": person_id})
