"""The deliveries' repository in memory (:class:`hoppid.notifications.delivery.store.Deliveries`),
for fast unit tests: the same documents as the MongoDB store keeps, the claim once per id, each
change only from the status it expects, and the status events in the document's ``outbox``, as
the relay would find them (checked against the store by tests/unit/test_repository_contract.py).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from hoppid.notifications.delivery.store import ANONYMOUS, DONE
from hoppid.shared.envelope import Envelope
from hoppid.shared.outbox import OUTBOX, OUTBOX_FIELDS, PENDING, outbox_entries, outbox_fields

Document = dict[str, Any]


class MemoryDeliveries:
    def __init__(self, topic: str) -> None:
        self.topic = topic
        self.deliveries: dict[str, Document] = {}

    async def claim(self, delivery: Document, events: Iterable[Envelope] = ()) -> bool:
        if delivery["_id"] in self.deliveries:
            return False
        document = {**copy.deepcopy(delivery), **outbox_fields(self.topic, events)}
        self.deliveries[delivery["_id"]] = document
        return True

    async def delivery(self, delivery_id: str) -> Document | None:
        found = self.deliveries.get(delivery_id)
        return None if found is None else _without_outbox(found)

    async def due(self, now: datetime, limit: int = 100) -> list[str]:
        due = [d for d in self.deliveries.values() if _due(d, now)]
        return [d["_id"] for d in sorted(due, key=lambda d: d["scheduled_for"])][:limit]

    async def take(self, delivery_id: str, now: datetime) -> Document | None:
        found = self.deliveries.get(delivery_id)
        if found is None or not _due(found, now):
            return None
        found.update(status="sending", updated_at=now)
        return _without_outbox(found)

    async def finish(
        self,
        delivery_id: str,
        fields: Mapping[str, Any],
        events: Iterable[Envelope] = (),
        *,
        if_status: str | None,
    ) -> bool:
        found = self._in_status(delivery_id, if_status)
        if found is None:
            return False
        found.update(copy.deepcopy(dict(fields)))
        found.pop("content", None)
        self._add_events(found, events)
        return True

    async def schedule_retry(
        self, delivery_id: str, at: datetime, attempts: int, last_error: str, now: datetime
    ) -> bool:
        found = self._in_status(delivery_id, "sending")
        if found is None:
            return False
        found.update(status="scheduled", scheduled_for=at, attempts=attempts)
        found.update(last_error=last_error, updated_at=now)
        return True

    async def deliveries_of_person(self, person_id: str) -> list[Document]:
        return [_without_outbox(d) for d in self.deliveries.values() if d["person_id"] == person_id]

    async def count_stuck(self, before: datetime) -> int:
        stuck = [d for d in self.deliveries.values() if d["status"] == "sending"]
        return sum(1 for d in stuck if d["updated_at"] < before)

    async def anonymise_deliveries_before(self, before: datetime, now: datetime) -> int:
        old = [d for d in self.deliveries.values() if d["status"] in DONE]
        old = [d for d in old if d["updated_at"] < before and d.get("anonymised_at") is None]
        for document in old:
            document.update(ANONYMOUS, anonymised_at=now)
            document.pop("content", None)
        return len(old)

    def _in_status(self, delivery_id: str, status: str | None) -> Document | None:
        found = self.deliveries.get(delivery_id)
        if found is None or (status is not None and found["status"] != status):
            return None
        return found

    def _add_events(self, document: Document, events: Iterable[Envelope]) -> None:
        entries = outbox_entries(self.topic, events)
        document.setdefault(OUTBOX, []).extend(entries)
        if entries:
            document[PENDING] = True


def _due(document: Document, now: datetime) -> bool:
    at: datetime = document["scheduled_for"]
    return document["status"] == "scheduled" and at <= now


def _without_outbox(document: Document) -> Document:
    return copy.deepcopy({k: v for k, v in document.items() if k not in OUTBOX_FIELDS})
