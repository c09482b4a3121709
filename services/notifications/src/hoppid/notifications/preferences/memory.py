"""The preferences' repository in memory
(:class:`hoppid.notifications.preferences.store.Preferences`), for fast unit tests."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

Document = dict[str, Any]


class MemoryPreferences:
    def __init__(self) -> None:
        self.kept: dict[str, Document] = {}

    async def preferences(self, person_id: str) -> Document | None:
        return copy.deepcopy(self.kept.get(person_id))

    async def set_preferences(self, person_id: str, fields: Mapping[str, Any]) -> None:
        kept = self.kept.setdefault(person_id, {"_id": person_id})
        kept.update(copy.deepcopy(dict(fields)))

    async def forget_preferences(self, person_id: str) -> None:
        self.kept.pop(person_id, None)
