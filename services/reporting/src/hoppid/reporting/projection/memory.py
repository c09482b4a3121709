"""One version's read models in dicts: a ``Projecting`` for unit tests of the handlers.

Same documents and once-only rules as the Mongo store (store.ProjectionStore), which
test_memory_projection.py proves collection by collection on the scripted streams:

- facts (cases, enrolments, seats): ``record_facts`` sets dotted paths on the thing's document,
  creating it; ``mark_facts_done`` adds ids to its ``done`` list once each, on a document
  that exists;
- ``apply``: the first ledger entry of a contribution is kept; its increments go to the cell
  once (the contribution's id in the cell's ``applied_events``); a cell is created with its
  office, municipality, month and year;
- ``resolve``: the first claim of an entity at a level stays its owner's; a distinct
  contribution gets +1 in the level's field for each claim it owns;
- ``is_dropped``: the digests in ``dropped`` (what retention writes to ``v<N>_dropped``);
- retention's steps (``Dropping``): the same finds, folded waiting times, applied marks taken
  out of cells, ledger entries and claims deleted, as the Mongo store.

Documents are handed out as copies, as a store's reads are, so a handler cannot change what
is stored by changing what it was given.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from hoppid.reporting.model import (
    Contribution,
    Distinct,
    claim_id,
    digest,
    level_field,
    level_keys,
)
from hoppid.reporting.projection.store import FOLDED, FactsKind
from hoppid.reporting.store import Document
from hoppid.shared.inbox import APPLIED


class MemoryProjection:
    def __init__(self, version: int = 1) -> None:
        self.version = version
        self.cells: dict[str, Document] = {}
        self.ledger: dict[str, Document] = {}
        self.claims: dict[str, Document] = {}
        self.offices: dict[str, Document] = {}
        self.facts: dict[FactsKind, dict[str, Document]] = {
            "cases": {},
            "enrolments": {},
            "seats": {},
        }
        self.dropped: set[str] = set()  # digest("case", id) of the cases retention dropped

    def collections(self) -> dict[str, dict[str, Document]]:
        """Every collection by its name in a version (``v<N>_<name>``), by ``_id``."""
        return {
            "cells": self.cells,
            "cases": self.facts["cases"],
            "claims": self.claims,
            "ledger": self.ledger,
            "offices": self.offices,
            "enrolments": self.facts["enrolments"],
            "seats": self.facts["seats"],
        }

    def drop(self, case_id: str) -> None:
        """Mark the case dropped, as the retention pass does."""
        self.dropped.add(digest("case", case_id))

    # facts of a case, an enrolment or a seat booking --------------------------------------
    async def is_dropped(self, case_id: str) -> bool:
        return digest("case", case_id) in self.dropped

    async def record_case(self, case_id: str, facts: Mapping[str, Any]) -> Document:
        return await self.record_facts("cases", case_id, facts)

    async def mark_done(self, case_id: str, contribution_ids: Iterable[str]) -> None:
        await self.mark_facts_done("cases", case_id, contribution_ids)

    async def record_facts(self, kind: FactsKind, key: str, facts: Mapping[str, Any]) -> Document:
        return copy.deepcopy(_upsert(self.facts[kind], key, facts))

    async def mark_facts_done(
        self, kind: FactsKind, key: str, contribution_ids: Iterable[str]
    ) -> None:
        document = self.facts[kind].get(key)
        ids = list(contribution_ids)
        if document is None or not ids:  # an update without upsert: no document, no change
            return
        done = document.setdefault("done", [])
        done.extend(i for i in dict.fromkeys(ids) if i not in done)

    # contributions ------------------------------------------------------------------------
    async def apply(self, contribution: Contribution) -> bool:
        cell = contribution.cell
        if not contribution.inc:
            return False
        self.ledger.setdefault(
            contribution.id,
            {
                "_id": contribution.id,
                "cell": cell.id,
                "inc": dict(contribution.inc),
                "events": list(contribution.events),
            },
        )
        document = self.cells.get(cell.id)
        if document is None:
            document = self.cells[cell.id] = {
                "_id": cell.id,
                "office": cell.office,
                "municipality": cell.municipality,
                "month": cell.month,
                "year": cell.year,
                "c": {},
                APPLIED: [],
            }
        if contribution.id in document[APPLIED]:
            return False
        counters = document["c"]
        for name, value in contribution.inc.items():
            counters[name] = counters.get(name, 0) + value
        document[APPLIED].append(contribution.id)
        return True

    async def resolve(self, distinct: Distinct) -> Contribution:
        wanted = {
            claim_id(metric, key, distinct.entity): level_field(metric, scope, period)
            for metric in distinct.metrics
            for (scope, period), key in level_keys(distinct.cell).items()
        }
        for claim in wanted:
            self.claims.setdefault(claim, {"_id": claim, "owner": distinct.id})
        owned = [
            field for claim, field in wanted.items() if self.claims[claim]["owner"] == distinct.id
        ]
        inc = dict.fromkeys(owned, 1)
        return Contribution(distinct.id, distinct.cell, inc, distinct.events)

    # offices ------------------------------------------------------------------------------
    async def record_office(self, office_id: str, event_id: str, fields: Mapping[str, Any]) -> None:
        _upsert(self.offices, office_id, {f"changes.{event_id}": fields})

    # retention: a dropped case's records ---------------------------------------------------
    async def people_opened_before(self, before: datetime) -> list[str]:
        people: list[str] = []
        for case in self.facts["cases"].values():
            opened = case.get("opened") or {}
            at, person = opened.get("at"), opened.get("person")
            if isinstance(at, datetime) and at < before and person and person not in people:
                people.append(person)
        return people

    async def cases_of_person(self, person: str) -> list[Document]:
        cases = self.facts["cases"].values()
        return [copy.deepcopy(c) for c in cases if (c.get("opened") or {}).get("person") == person]

    async def keep_wait(self, case_id: str, opened: Mapping[str, Any], days: float) -> None:
        key = FOLDED + digest("case", case_id)
        self.facts["cases"][key] = {
            "_id": key,
            "opened": {name: opened[name] for name in ("office", "municipality", "month", "year")},
            "meetings": {"folded": True},
            "wait_days": days,
        }

    async def mark_dropped(self, case_id: str) -> None:
        self.drop(case_id)

    async def unapply(self, cell_id: str, contribution_ids: list[str]) -> None:
        cell = self.cells.get(cell_id)
        if cell is not None and APPLIED in cell:
            cell[APPLIED] = [i for i in cell[APPLIED] if i not in contribution_ids]

    async def forget_contribution(self, contribution_id: str) -> None:
        self.ledger.pop(contribution_id, None)
        owned = [key for key, claim in self.claims.items() if claim["owner"] == contribution_id]
        for key in owned:
            del self.claims[key]

    async def delete_case(self, case_id: str) -> None:
        self.facts["cases"].pop(case_id, None)


def _upsert(collection: dict[str, Document], key: str, facts: Mapping[str, Any]) -> Document:
    """``$set`` of dotted paths on the document with this ``_id``, inserting it when there is
    none: the parents made as needed, each value replaced whole; the stored document."""
    document = collection.setdefault(key, {"_id": key})
    for path, value in facts.items():
        *parents, name = path.split(".")
        place = document
        for part in parents:
            place = place.setdefault(part, {})
        place[name] = copy.deepcopy(dict(value) if isinstance(value, Mapping) else value)
    return document
