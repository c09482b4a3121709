"""The projection's repository: one version's read models, as the projection handlers write them.

``Projecting`` names what the handlers (handlers.py) need of one version; three stores implement
it with the same documents and once-only rules: ``ProjectionStore`` here (Mongo, live and in a
rebuild's catch-up), ``rebuild.store.RebuildStore`` (a bounded window written in bulk while a
rebuild replays) and ``memory.MemoryProjection`` (dicts, for unit tests of the handlers). The
collections and which version is active are the root store's (hoppid.reporting.store); the
figures read the same version through ``ProjectionStore``.

Each update of one document is atomic on the store (MongoDB; the local store since
docs/decisions/0007), so two instances may project side by side.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Literal, Protocol

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from hoppid.reporting.model import (
    Contribution,
    Distinct,
    claim_id,
    digest,
    level_field,
    level_keys,
)
from hoppid.reporting.store import DROPPED, Document
from hoppid.shared.inbox import APPLIED, apply_once
from hoppid.shared.mongo import upsert_by_id

_DUPLICATE_KEY = 11000
FOLDED = "w:"  # the _id prefix of a dropped case's waiting time in v<N>_cases

FactsKind = Literal["cases", "enrolments", "seats"]  # the collections of things' facts


class Projecting(Protocol):
    """What the projections (handlers.py) need of one version's read models: this module's
    ProjectionStore live and in a rebuild's catch-up, rebuild.store's while a rebuild replays."""

    version: int

    async def record_case(self, case_id: str, facts: Mapping[str, Any]) -> Document: ...

    async def mark_done(self, case_id: str, contribution_ids: Iterable[str]) -> None: ...

    async def record_facts(
        self, kind: FactsKind, key: str, facts: Mapping[str, Any]
    ) -> Document: ...

    async def mark_facts_done(
        self, kind: FactsKind, key: str, contribution_ids: Iterable[str]
    ) -> None: ...

    async def apply(self, contribution: Contribution) -> bool: ...

    async def resolve(self, distinct: Distinct) -> Contribution: ...

    async def record_office(
        self, office_id: str, event_id: str, fields: Mapping[str, Any]
    ) -> None: ...

    async def is_dropped(self, case_id: str) -> bool: ...


class Dropping(Protocol):
    """What the retention pass (hoppid.reporting.retention) needs of one version to drop a
    person's cases: ProjectionStore, and memory.MemoryProjection for the contract test
    (test_memory_projection.py). Each step is idempotent; the pass decides their order."""

    async def people_opened_before(self, before: datetime) -> list[str]: ...

    async def cases_of_person(self, person: str) -> list[Document]: ...

    async def keep_wait(self, case_id: str, opened: Mapping[str, Any], days: float) -> None: ...

    async def mark_dropped(self, case_id: str) -> None: ...

    async def unapply(self, cell_id: str, contribution_ids: list[str]) -> None: ...

    async def forget_contribution(self, contribution_id: str) -> None: ...

    async def delete_case(self, case_id: str) -> None: ...


class ProjectionStore:
    def __init__(self, database: AsyncDatabase[Document], version: int) -> None:
        self.db = database
        self.version = version
        self.cells = database[f"v{version}_cells"]
        self.cases = database[f"v{version}_cases"]
        self.claims = database[f"v{version}_claims"]
        self.ledger = database[f"v{version}_ledger"]
        self.offices = database[f"v{version}_offices"]
        # facts of scheduling's programme enrolments and seat bookings (group_facts.py)
        self.enrolments = database[f"v{version}_enrolments"]
        self.seats = database[f"v{version}_seats"]
        # digests of the cases retention dropped: their late events are ignored (retention.py)
        self.dropped = database[f"v{version}_{DROPPED}"]

    # facts of a case, an enrolment or a seat booking --------------------------------------
    async def is_dropped(self, case_id: str) -> bool:
        """Whether retention dropped this case's record (then its events change nothing)."""
        return await self.dropped.find_one({"_id": digest("case", case_id)}) is not None

    async def record_case(self, case_id: str, facts: Mapping[str, Any]) -> Document:
        """Set facts of a case (setting the same fact twice changes nothing); the whole case."""
        return await self.record_facts("cases", case_id, facts)

    async def mark_done(self, case_id: str, contribution_ids: Iterable[str]) -> None:
        await self.mark_facts_done("cases", case_id, contribution_ids)

    def _facts(self, kind: FactsKind) -> AsyncCollection[Document]:
        return {"cases": self.cases, "enrolments": self.enrolments, "seats": self.seats}[kind]

    async def record_facts(self, kind: FactsKind, key: str, facts: Mapping[str, Any]) -> Document:
        """Set facts of one thing of ``kind``; the whole document after."""
        # no ``done: []`` on insert: FerretDB 1.24 drops an empty array in $setOnInsert
        # (MongoDB keeps it), so ``done`` appears with its first id on both alike
        return await upsert_by_id(self._facts(kind), key, {"$set": dict(facts)})

    async def mark_facts_done(
        self, kind: FactsKind, key: str, contribution_ids: Iterable[str]
    ) -> None:
        ids, collection = list(contribution_ids), self._facts(kind)
        if ids:
            await collection.update_one({"_id": key}, {"$addToSet": {"done": {"$each": ids}}})

    # contributions ------------------------------------------------------------------------
    async def apply(self, contribution: Contribution) -> bool:
        """Add the contribution to its cell once; its ledger entry says which events made it."""
        cell = contribution.cell
        if not contribution.inc:
            return False
        entry = {
            "_id": contribution.id,
            "cell": cell.id,
            "inc": dict(contribution.inc),
            "events": list(contribution.events),
        }
        # written by an earlier delivery: fine, the cell update below is guarded on its own
        with contextlib.suppress(DuplicateKeyError):
            await self.ledger.insert_one(entry)
        update = {
            "$inc": {f"c.{name}": value for name, value in contribution.inc.items()},
            "$setOnInsert": {
                "office": cell.office,
                "municipality": cell.municipality,
                "month": cell.month,
                "year": cell.year,
            },
        }
        return await apply_once(self.cells, {"_id": cell.id}, update, contribution.id, upsert=True)

    async def resolve(self, distinct: Distinct) -> Contribution:
        """Claim the entity at every level; +1 where this contribution holds the claim."""
        wanted = {
            claim_id(metric, key, distinct.entity): level_field(metric, scope, period)
            for metric in distinct.metrics
            for (scope, period), key in level_keys(distinct.cell).items()
        }
        await self._claim(list(wanted), distinct.id)
        owned = self.claims.find({"_id": {"$in": list(wanted)}, "owner": distinct.id}, {"_id": 1})
        inc = {wanted[claim["_id"]]: 1 async for claim in owned}
        return Contribution(distinct.id, distinct.cell, inc, distinct.events)

    async def _claim(self, ids: list[str], owner: str) -> None:
        try:
            await self.claims.insert_many(
                [{"_id": claim, "owner": owner} for claim in ids], ordered=False
            )
        except BulkWriteError as error:  # the claims someone holds already stay theirs
            others = [e for e in error.details["writeErrors"] if e["code"] != _DUPLICATE_KEY]
            if others:
                raise

    # offices ------------------------------------------------------------------------------
    async def record_office(self, office_id: str, event_id: str, fields: Mapping[str, Any]) -> None:
        await upsert_by_id(self.offices, office_id, {"$set": {f"changes.{event_id}": dict(fields)}})

    # reading ------------------------------------------------------------------------------
    async def find_cells(self, query: Mapping[str, Any]) -> list[Document]:
        cursor = self.cells.find(dict(query), {APPLIED: 0})
        return [cell async for cell in cursor]

    async def cases_with_meetings(self, opened: Mapping[str, Any]) -> list[Document]:
        """The cases opened where ``opened`` says (a cell's fields: month or year, office,
        municipality) that have meetings, with their opening and meeting facts: what the time to
        the first meeting needs (a cohort figure)."""
        query = {f"opened.{name}": value for name, value in opened.items()}
        query["meetings"] = {"$exists": True}
        cursor = self.cases.find(query, {"opened": 1, "meetings": 1, "wait_days": 1})
        return [case async for case in cursor]

    async def ledger_of(self, cell_ids: list[str]) -> list[Document]:
        cursor = self.ledger.find({"cell": {"$in": cell_ids}}).sort("_id", 1)
        return [entry async for entry in cursor]

    async def all_offices(self) -> list[Document]:
        return [office async for office in self.offices.find({})]

    # retention: a dropped case's records (hoppid.reporting.retention) --------------------
    async def people_opened_before(self, before: datetime) -> list[str]:
        """The people with a case opened before ``before`` (the ``opened.at`` index), each once,
        in the order their cases are found."""
        cursor = self.cases.find({"opened.at": {"$lt": before}}, {"opened.person": 1})
        people = [case["opened"].get("person") async for case in cursor]
        return [person for person in dict.fromkeys(people) if person]

    async def cases_of_person(self, person: str) -> list[Document]:
        return [case async for case in self.cases.find({"opened.person": person})]

    async def keep_wait(self, case_id: str, opened: Mapping[str, Any], days: float) -> None:
        """Keep a dropped case's time to its first meeting without ids: its office,
        municipality, month and year, and the days (what the waiting-time figure selects)."""
        folded = {
            "opened": {name: opened[name] for name in ("office", "municipality", "month", "year")},
            "meetings": {"folded": True},  # what the waiting-time query selects on
            "wait_days": days,
        }
        tombstone = digest("case", case_id)
        await self.cases.replace_one({"_id": FOLDED + tombstone}, folded, upsert=True)

    async def mark_dropped(self, case_id: str) -> None:
        """Leave the case's one-way digest in ``dropped``: its late events change nothing."""
        with contextlib.suppress(DuplicateKeyError):
            await self.dropped.insert_one({"_id": digest("case", case_id)})

    async def unapply(self, cell_id: str, contribution_ids: list[str]) -> None:
        """Take the contributions' ids out of the cell's applied marks (its counts stay)."""
        await self.cells.update_one({"_id": cell_id}, {"$pullAll": {APPLIED: contribution_ids}})

    async def forget_contribution(self, contribution_id: str) -> None:
        """Delete the contribution's ledger entry and the distinct-count claims it holds."""
        await self.ledger.delete_one({"_id": contribution_id})
        await self.claims.delete_many({"owner": contribution_id})

    async def delete_case(self, case_id: str) -> None:
        await self.cases.delete_one({"_id": case_id})
