"""notifications's repositories in memory, as one handle like
:class:`hoppid.notifications.store.NotificationsStore`: what a unit test hands the reactions
and delivery as ``ctx.store`` (no store, no network)."""

from __future__ import annotations

from typing import Any

from hoppid.notifications.copies.memory import MemoryCopies
from hoppid.notifications.delivery.memory import MemoryDeliveries
from hoppid.notifications.preferences.memory import MemoryPreferences
from hoppid.shared.events import Event
from hoppid.shared.export_answers import ExportAnswer
from hoppid.shared.outbox import outbox_fields
from hoppid.shared.pii import PersonalDataVault

Document = dict[str, Any]


class MemoryStore(MemoryCopies, MemoryDeliveries, MemoryPreferences):
    def __init__(self, topic: str = "test.hoppid.notifications") -> None:
        MemoryCopies.__init__(self)
        MemoryDeliveries.__init__(self, topic)
        MemoryPreferences.__init__(self)
        self.export_answers: dict[str, Document] = {}

    async def export_answered(self, export_id: str) -> bool:
        return export_id in self.export_answers

    async def keep_export_answer(
        self, vault: PersonalDataVault, answered: ExportAnswer, model: type[Event], source: str
    ) -> bool:
        plain = answered.to_envelope(source=source, subject=answered.person_id)
        try:
            sealed = await vault.seal(plain, model, answered.person_id)
        except PermissionError:
            return False  # erased: nothing of theirs goes out
        if answered.export_id in self.export_answers:
            return False
        self.export_answers[answered.export_id] = {
            "_id": answered.export_id,
            "person_id": answered.person_id,
            "answered_at": answered.answered_at,
            **outbox_fields(self.topic, [sealed]),
        }
        return True
