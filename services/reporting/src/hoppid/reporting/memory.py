"""The partner repositories in dicts: a ``PartnerPeopleRepository``, a
``PartnerCaseRepository`` and a ``PublicFactsOutbox`` (store.py) for unit tests of the partner
handlers and retention.

Same documents and once-only rules as the Mongo stores (store.PartnerPeople, PartnerCases),
which tests/contract/test_partner_repository.py proves on both:

- ``share`` records a fact under ``shared.<its id>`` once per fact id (a redelivery sets the
  same), creating the person with ``withdrawn_at: None``; never once they withdrew (False);
- ``withdraw``: the first time counts (a later one keeps the first ``withdrawn_at``); a person
  never seen is created withdrawn;
- ``cases_dropped`` deletes a withdrawn person's record, else marks it (``cases_dropped_at``),
  creating nothing; ``sweep_dropped`` deletes the marked ones that withdrew since;
- ``record`` sets dotted paths on a case's document, creating it; ``forget`` deletes it;
- ``publish_once``: the first fact of a source event id is kept (True), a later one is not.

Documents are handed out as copies, as a store's reads are.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from hoppid.reporting.store import Document
from hoppid.shared.envelope import Envelope


def _withdrawn(document: Mapping[str, Any]) -> bool:
    """What ``{"withdrawn_at": {"$ne": None}}`` matches (a missing field is None to Mongo)."""
    return document.get("withdrawn_at") is not None


class MemoryPartnerPeople:
    def __init__(self) -> None:
        self.people: dict[str, Document] = {}

    async def share(self, person: str, fact: Mapping[str, Any]) -> bool:
        document = self.people.get(person)
        if document is not None and _withdrawn(document):
            return False
        if document is None:  # an upsert copies the query's equality: withdrawn_at None
            document = self.people[person] = {"_id": person, "withdrawn_at": None}
        document.setdefault("shared", {})[fact["id"]] = copy.deepcopy(dict(fact))
        return True

    async def withdraw(self, person: str, at: datetime) -> Document:
        document = self.people.setdefault(person, {"_id": person})
        if not _withdrawn(document):
            document["withdrawn_at"] = at
        return copy.deepcopy(document)

    async def find(self, person: str) -> Document | None:
        document = self.people.get(person)
        return None if document is None else copy.deepcopy(document)

    async def cases_dropped(self, person: str, at: datetime) -> None:
        document = self.people.get(person)
        if document is None:
            return
        if _withdrawn(document):
            del self.people[person]
        else:
            document["cases_dropped_at"] = at

    async def sweep_dropped(self) -> int:
        gone = [
            person
            for person, document in self.people.items()
            if "cases_dropped_at" in document and _withdrawn(document)
        ]
        for person in gone:
            del self.people[person]
        return len(gone)


class MemoryPartnerCases:
    def __init__(self) -> None:
        self.cases: dict[str, Document] = {}

    async def record(self, case_id: str, fields: Mapping[str, Any]) -> Document:
        document = self.cases.setdefault(case_id, {"_id": case_id})
        for path, value in fields.items():
            *parents, name = path.split(".")
            place = document
            for part in parents:
                place = place.setdefault(part, {})
            place[name] = copy.deepcopy(value)
        return copy.deepcopy(document)

    async def forget(self, case_id: str) -> None:
        self.cases.pop(case_id, None)


class MemoryPublicFacts:
    def __init__(self) -> None:
        self.published: dict[str, Envelope] = {}  # by source event id, in publishing order

    async def publish_once(self, source_event_id: str, envelope: Envelope) -> bool:
        if source_event_id in self.published:
            return False
        self.published[source_event_id] = envelope
        return True
