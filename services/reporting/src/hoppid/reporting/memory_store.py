"""One version of the read models held in memory while a rebuild replays, then written at once.

Replaying through the Mongo store costs a few round-trips per event, and on FerretDB 1.24 on
SQLite every update by ``_id`` scans its collection, so a rebuild slowed to a crawl as the
version grew (docs/benchmarks.md). This store keeps the same documents in dicts keyed like the
collections, with the Mongo store's semantics: ``$set`` of dotted facts with ``done: []`` on
insert, ``$addToSet`` of done ids, a ledger entry kept from its first write, the first claim of
an entity kept, a cell's ``$inc`` applied once per contribution (``applied_events``). ``flush``
then writes every document with ``insert_many`` in batches, which FerretDB handles well.

Values are stored as the store would return them (a BSON round-trip with the client's codec
options: UTC-aware datetimes cut to milliseconds), so the projections derive exactly what they
derive from Mongo. Memory: see docs/reporting.md (a few kilobytes per case).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from typing import Any

from bson import CodecOptions, decode, encode
from pymongo.asynchronous.database import AsyncDatabase

from hoppid.reporting.model import Contribution, Distinct, claim_id, level_field, level_keys
from hoppid.reporting.store import VERSIONED, Document, FactsKind
from hoppid.shared.inbox import APPLIED

FLUSH_BATCH = 1000
_AS_STORED: CodecOptions[Document] = CodecOptions(tz_aware=True)  # as make_mongo_client reads them


def as_stored(value: Any) -> Any:
    """``value`` as it reads back from the store."""
    return decode(encode({"v": value}), codec_options=_AS_STORED)["v"]


def set_path(document: Document, path: str, value: Any) -> None:
    """``$set`` of one dotted path: the objects on the way are made when missing."""
    *parents, last = path.split(".")
    for name in parents:
        document = document.setdefault(name, {})
    document[last] = value


class MemoryProjectionStore:
    """The interface the projections use (store.Projecting), in memory."""

    def __init__(self, version: int) -> None:
        self.version = version
        self.documents: dict[str, dict[str, Document]] = {name: {} for name in VERSIONED}
        self.claims: dict[str, str] = {}  # claim id -> owner (documents made at flush)
        self.applied: dict[str, set[str]] = {}  # cell id -> its applied_events, for look-ups

    # facts of a case, an enrolment or a seat booking --------------------------------------
    async def record_case(self, case_id: str, facts: Mapping[str, Any]) -> Document:
        return await self.record_facts("cases", case_id, facts)

    async def mark_done(self, case_id: str, contribution_ids: Iterable[str]) -> None:
        await self.mark_facts_done("cases", case_id, contribution_ids)

    async def record_facts(self, kind: FactsKind, key: str, facts: Mapping[str, Any]) -> Document:
        documents = self.documents[kind]
        document = documents.get(key)
        if document is None:
            document = documents[key] = {"_id": key}
        for path, value in as_stored(dict(facts)).items():
            set_path(document, path, value)
        return document

    async def mark_facts_done(
        self, kind: FactsKind, key: str, contribution_ids: Iterable[str]
    ) -> None:
        document = self.documents[kind].get(key)
        if document is None:  # update_one without upsert: nothing to mark
            return
        ids = list(contribution_ids)
        if not ids:  # the Mongo store sends no update then
            return
        done: list[str] = document.setdefault("done", [])
        for contribution_id in ids:
            if contribution_id not in done:
                done.append(contribution_id)

    # contributions ------------------------------------------------------------------------
    async def apply(self, contribution: Contribution) -> bool:
        cell = contribution.cell
        if not contribution.inc:
            return False
        self.documents["ledger"].setdefault(
            contribution.id,
            {
                "_id": contribution.id,
                "cell": cell.id,
                "inc": dict(contribution.inc),
                "events": list(contribution.events),
            },
        )
        applied = self.applied.setdefault(cell.id, set())
        if contribution.id in applied:
            return False
        document = self.documents["cells"].setdefault(
            cell.id,
            {
                "_id": cell.id,
                "office": cell.office,
                "municipality": cell.municipality,
                "month": cell.month,
                "year": cell.year,
                "c": {},
                APPLIED: [],
            },
        )
        counts: dict[str, int] = document["c"]
        for name, value in contribution.inc.items():
            counts[name] = counts.get(name, 0) + value
        document[APPLIED].append(contribution.id)
        applied.add(contribution.id)
        return True

    async def resolve(self, distinct: Distinct) -> Contribution:
        wanted = {
            claim_id(metric, key, distinct.entity): level_field(metric, scope, period)
            for metric in distinct.metrics
            for (scope, period), key in level_keys(distinct.cell).items()
        }
        inc = {
            field: 1
            for claim, field in wanted.items()
            if self.claims.setdefault(claim, distinct.id) == distinct.id
        }
        return Contribution(distinct.id, distinct.cell, inc, distinct.events)

    # offices ------------------------------------------------------------------------------
    async def record_office(self, office_id: str, event_id: str, fields: Mapping[str, Any]) -> None:
        offices = self.documents["offices"]
        document = offices.setdefault(office_id, {"_id": office_id})
        set_path(document, f"changes.{event_id}", as_stored(dict(fields)))

    # writing the version ------------------------------------------------------------------
    def _all(self, name: str) -> Iterator[Document]:
        if name == "claims":
            return ({"_id": claim, "owner": owner} for claim, owner in self.claims.items())
        return iter(self.documents[name].values())

    def count(self) -> int:
        return len(self.claims) + sum(len(documents) for documents in self.documents.values())

    async def flush(self, database: AsyncDatabase[Document]) -> int:
        """Insert every document into this version's collections (empty before); how many."""
        written = 0
        for name in VERSIONED:
            documents = self._all(name)
            while batch := list(islice(documents, FLUSH_BATCH)):
                await database[f"v{self.version}_{name}"].insert_many(batch, ordered=False)
                written += len(batch)
        return written
