"""The new version of the read models while a rebuild replays: a bounded window in memory,
written to the version's collections in bulk and then forgotten.

Replaying through the Mongo store costs a few round-trips per event (and on FerretDB 1.24 on
SQLite every update by ``_id`` scans its collection), while holding the whole version in memory
costs ~18 KiB per case (docs/benchmarks.md). This store keeps only a *window*: the facts
documents the window's events touch (cases, enrolments, seats, offices: read back from the
store by ``_id`` when a Bloom filter of what was written says they may be there, ``prefetch``
does it for a whole window at once), the claims first made in the window and the contributions
in the order they were applied. ``flush`` settles the window against what is stored, writes
it with bulk writes of whole documents keyed by ``_id``, and empties it; it is ``seal`` (take
the window out, frozen, and start the next) and then ``write``, which the rebuild runs while it
projects the next window.

Same documents and once-only rules as the Mongo store (projection.store.ProjectionStore,
proven document by document in test_rebuild_store.py):

- facts: ``$set`` of dotted paths, ``$addToSet`` of done ids, on the stored document;
- claims: the first claim of an entity is kept. A claim first made in the window is inserted at
  flush; if the store has it already, its stored owner wins. A distinct contribution gets +1 for
  each claim whose owner is itself;
- ledger: the first entry of a contribution is kept (inserts; a duplicate key keeps the stored);
- cells: a contribution's increments are applied once per cell (``applied_events``), in order.

Claims are settled at flush, not at ``resolve``: a contribution's final increments are known
only then, so cells and ledger are written at flush too, in the order the contributions came.
Only a contribution itself can own a claim it finds stored, and it resolves once in a run (it is
marked done with its case in the same flush), so a stored claim is taken as another's without
reading it; after a rebuild stopped *during* a flush, the owners of stored claims are read
(``verify_owners``) until the replay has passed the point of that flush.

Write order in a flush: claims, ledger, cells, then the facts with their ``done`` marks. A stop
between any two leaves nothing a replay from the last checkpoint does not repair: contributions
not marked done are derived again, found applied in their cells or applied now.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, TypeVar

from bson import CodecOptions, decode, encode
from bson.raw_bson import RawBSONDocument
from pymongo import ReplaceOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from hoppid.reporting.model import (
    Contribution,
    Distinct,
    claim_id,
    digest,
    level_field,
    level_keys,
)
from hoppid.reporting.projection.store import FactsKind
from hoppid.reporting.store import DROPPED, Document
from hoppid.shared.inbox import APPLIED

WRITE_BATCH = 1000  # documents per insert_many
WRITES_AT_ONCE = 4  # insert_many / bulk_write calls in flight at once
# statements per bulk_write of replacements: FerretDB 1.24 on SQLite keeps a query open per
# statement of an update command until the command ends, and one with 100 or more deadlocks
# that database's connection pool for good (seen here: until the database is dropped)
REPLACE_BATCH = 50
LOOKUPS_AT_ONCE = 16  # finds by _id in flight at once
EVENT_RESERVE = 200  # items one event may add at most (a company's case: 72 claims, ~10 more)
FACTS_KINDS = ("cases", "enrolments", "seats", "offices")
_DUPLICATE_KEY = 11000
_AS_STORED: CodecOptions[Document] = CodecOptions(tz_aware=True)  # as make_mongo_client reads them
T = TypeVar("T")
Writable = Document | RawBSONDocument  # a sealed facts document stays encoded as it was


def as_stored(value: Any) -> Any:
    """``value`` as it reads back from the store."""
    return decode(encode({"v": value}), codec_options=_AS_STORED)["v"]


def set_path(document: Document, path: str, value: Any) -> None:
    """``$set`` of one dotted path: the objects on the way are made when missing."""
    *parents, last = path.split(".")
    for name in parents:
        document = document.setdefault(name, {})
    document[last] = value


class KeyFilter:
    """Which documents the version may have: a Bloom filter of fixed size (16 MiB), so a key
    never written is known absent without asking the store (a false "may" costs one look-up
    more: about 1 in 200 at ten million keys). On FerretDB 1.24 on SQLite every look-up by
    ``_id`` scans its collection, so asking only for what may be stored keeps the rebuild from
    reading back what it never wrote."""

    BITS = 1 << 27

    def __init__(self) -> None:
        self.bits = bytearray(self.BITS // 8)

    def _positions(self, name: str, key: str) -> Iterator[int]:
        digest = hashlib.blake2b(f"{name}\x00{key}".encode(), digest_size=16).digest()
        for start in (0, 4, 8, 12):
            yield int.from_bytes(digest[start : start + 4], "little") % self.BITS

    def add(self, name: str, key: str) -> None:
        for position in self._positions(name, key):
            self.bits[position >> 3] |= 1 << (position & 7)

    def may_have(self, name: str, key: str) -> bool:
        return all(
            self.bits[position >> 3] & (1 << (position & 7))
            for position in self._positions(name, key)
        )


@dataclass(frozen=True)
class Pending:
    """A contribution applied in the window; ``wanted`` (claim -> field) for a distinct one,
    whose increments are settled at flush."""

    contribution: Contribution
    wanted: Mapping[str, str] | None = None


@dataclass
class Written:
    inserted: int = 0  # new documents in the version
    replaced: int = 0  # stored documents the window changed


@dataclass
class Sealed:
    """A window taken out of the store to be written (``RebuildStore.seal``): its new claims,
    its contributions in order and its changed facts documents, frozen as they were (encoded:
    the next window goes on changing the documents it keeps)."""

    claims: dict[str, str]
    pending: list[Pending]
    facts: dict[str, dict[str, RawBSONDocument]]
    stored: dict[str, set[str]]  # which of those facts documents the store has already


class RebuildStore:
    """store.Projecting for a rebuild: a window in memory over one version's collections."""

    def __init__(self, database: AsyncDatabase[Document], version: int, max_held: int) -> None:
        self.db = database
        self.version = version
        self.max_held = max_held
        self.written = KeyFilter()  # the facts documents and cells the version may have
        self.verify_owners = False  # read stored claims' owners (after a stop during a flush)
        self.writes = asyncio.Semaphore(WRITES_AT_ONCE)  # insert and replace calls in flight
        self.peak_held = 0
        self.facts: dict[str, dict[str, Document]] = {kind: {} for kind in FACTS_KINDS}
        self.stored: dict[str, set[str]] = {kind: set() for kind in FACTS_KINDS}  # in the store
        self.known: dict[str, set[str]] = {kind: set() for kind in FACTS_KINDS}  # looked up
        self.dirty: dict[str, set[str]] = {kind: set() for kind in FACTS_KINDS}  # to write
        self.claims: dict[str, str] = {}  # claims first made in the window -> first owner
        self.pending: list[Pending] = []
        self._resolved: dict[str, Mapping[str, str]] = {}  # resolve() -> the apply() after it
        self._any_dropped: bool | None = None  # retention dropped cases here (is_dropped)

    def collection(self, name: str) -> AsyncCollection[Document]:
        return self.db[f"v{self.version}_{name}"]

    # how much is held ---------------------------------------------------------------------
    @property
    def held(self) -> int:
        """Documents and claims held, and contributions waiting: what ``max_held`` bounds."""
        facts = sum(len(documents) for documents in self.facts.values())
        return facts + len(self.claims) + len(self.pending)

    def full(self) -> bool:
        """Flush before the next event: it might take the window past ``max_held``."""
        return self.held + EVENT_RESERVE > self.max_held

    def _note(self) -> None:
        self.peak_held = max(self.peak_held, self.held)

    # reading back what earlier windows wrote ----------------------------------------------
    async def prefetch(self, keys: Iterable[tuple[str, str]]) -> None:
        """Read back the stored facts documents of these (kind, key) before a window's events
        need them (only those the filter says may be stored)."""
        wanted: dict[str, set[str]] = {kind: set() for kind in FACTS_KINDS}
        for kind, key in keys:
            if key not in self.known[kind]:
                wanted[kind].add(key)
        for kind, ids in wanted.items():
            await self._load(kind, sorted(ids))

    async def _load(self, kind: str, ids: list[str]) -> None:
        stored = [key for key in ids if self.written.may_have(kind, key)]
        for document in await self._by_id(kind, stored):
            self.facts[kind][document["_id"]] = document
            self.stored[kind].add(document["_id"])
        self.known[kind].update(ids)
        self._note()

    async def _by_id(self, name: str, ids: list[str]) -> list[Document]:
        """The stored documents of these ids, one find by ``_id`` each (a few at once): the
        look-up every store serves by its ``_id`` index, where FerretDB 1.24 answers ``$in``
        by reading and decoding the whole collection (13 s for 50 ids among 50,000 cases
        here, against 0.13 s for one find by ``_id``)."""
        found: list[Document] = []
        for chunk in _chunks(ids, LOOKUPS_AT_ONCE):
            documents = await asyncio.gather(
                *(self.collection(name).find_one({"_id": key}) for key in chunk)
            )
            found += [document for document in documents if document is not None]
        return found

    async def _document(self, kind: str, key: str) -> Document | None:
        """The document in the window (read from the version first), marked for writing."""
        if key not in self.known[kind]:
            await self._load(kind, [key])
        document = self.facts[kind].get(key)
        if document is not None:
            self.dirty[kind].add(key)
        return document

    async def _created(self, kind: str, key: str) -> Document:
        """The document as :meth:`_document`, made when there is none (an upsert)."""
        document = await self._document(kind, key)
        if document is None:
            document = self.facts[kind][key] = {"_id": key}
            self.dirty[kind].add(key)
        return document

    async def recall(self) -> None:
        """Note what the version has already (a rebuild continued from its checkpoint)."""
        for name in (*FACTS_KINDS, "cells"):
            async for document in self.collection(name).find({}, {"_id": 1}):
                self.written.add(name, document["_id"])

    # facts of a case, an enrolment or a seat booking --------------------------------------
    async def record_case(self, case_id: str, facts: Mapping[str, Any]) -> Document:
        return await self.record_facts("cases", case_id, facts)

    async def mark_done(self, case_id: str, contribution_ids: Iterable[str]) -> None:
        await self.mark_facts_done("cases", case_id, contribution_ids)

    async def record_facts(self, kind: FactsKind, key: str, facts: Mapping[str, Any]) -> Document:
        document = await self._created(kind, key)
        for path, value in as_stored(dict(facts)).items():
            set_path(document, path, value)
        self._note()
        return document

    async def mark_facts_done(
        self, kind: FactsKind, key: str, contribution_ids: Iterable[str]
    ) -> None:
        ids = list(contribution_ids)
        if not ids:  # the Mongo store sends no update then
            return
        document = await self._document(kind, key)
        if document is None:  # update_one without upsert: nothing to mark
            return
        done: list[str] = document.setdefault("done", [])
        for contribution_id in ids:
            if contribution_id not in done:
                done.append(contribution_id)

    # contributions ------------------------------------------------------------------------
    async def apply(self, contribution: Contribution) -> bool:
        """Queue the contribution for the flush; True when it may apply (settled at flush)."""
        wanted = self._resolved.pop(contribution.id, None)
        if wanted is None and not contribution.inc:
            return False
        self.pending.append(Pending(contribution, wanted))
        self._note()
        return True

    async def resolve(self, distinct: Distinct) -> Contribution:
        """Claim the entity at every level in the window; the increments are provisional (the
        claims the window gives it) until the flush settles them against the stored claims."""
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
        self._resolved[distinct.id] = wanted
        self._note()
        return Contribution(distinct.id, distinct.cell, inc, distinct.events)

    async def is_dropped(self, case_id: str) -> bool:
        """Whether retention dropped the case in this version: never while the replay runs
        (the pass runs at the rebuild's end), only in a build continued after that pass."""
        if self._any_dropped is None:
            self._any_dropped = await self.collection(DROPPED).estimated_document_count() > 0
        if not self._any_dropped:
            return False
        found = await self.collection(DROPPED).find_one({"_id": digest("case", case_id)})
        return found is not None

    # offices ------------------------------------------------------------------------------
    async def record_office(self, office_id: str, event_id: str, fields: Mapping[str, Any]) -> None:
        document = await self._created("offices", office_id)
        set_path(document, f"changes.{event_id}", as_stored(dict(fields)))
        self._note()

    # writing the window -------------------------------------------------------------------
    async def flush(self) -> Written:
        """Settle the window against the stored version, write it, and forget it."""
        return await self.write(self.seal())

    def seal(self) -> Sealed:
        """Take the window out to be written (``write``) and start the next one, which keeps
        the facts documents this one changed, as they will be stored once it is written. The
        next window may be projected while this one is written; it must not be written before
        this one is (its claims and cells are settled against what this one stored)."""
        facts: dict[str, dict[str, RawBSONDocument]] = {}
        for kind in FACTS_KINDS:
            facts[kind] = {}
            for key in self.dirty[kind]:
                facts[kind][key] = RawBSONDocument(encode(self.facts[kind][key]))
                self.written.add(kind, key)
        sealed = Sealed(
            self.claims,
            self.pending,
            facts,
            {kind: self.stored[kind] & self.dirty[kind] for kind in FACTS_KINDS},
        )
        self._forget()
        return sealed

    async def write(self, sealed: Sealed) -> Written:
        """Write a sealed window: claims, then ledger and cells (together: a stop between them
        is repaired like one before both), then the facts with their done marks, after what
        those marks say is applied."""
        written = Written()
        taken = await self._write_claims(sealed, written)
        ledger, cells, stored_cells = await self._settle(sealed, taken)
        await asyncio.gather(
            self._insert("ledger", list(ledger.values()), written),
            self._write("cells", cells, stored_cells, written),
        )
        await asyncio.gather(
            *(
                self._write(kind, sealed.facts[kind], sealed.stored[kind], written)
                for kind in FACTS_KINDS
            )
        )
        return written

    async def _write_claims(self, sealed: Sealed, written: Written) -> dict[str, str]:
        """Insert the window's new claims; those stored already -> owner ('' for another's)."""
        documents = [{"_id": claim, "owner": owner} for claim, owner in sealed.claims.items()]
        stored = await self._insert("claims", documents, written)
        if not stored or not self.verify_owners:
            return dict.fromkeys(stored, "")
        return {claim["_id"]: claim["owner"] for claim in await self._by_id("claims", stored)}

    @staticmethod
    def _owned(sealed: Sealed, pending: Pending, taken: Mapping[str, str]) -> Mapping[str, int]:
        if pending.wanted is None:
            return pending.contribution.inc
        me = pending.contribution.id
        return {
            field: 1
            for claim, field in pending.wanted.items()
            if taken.get(claim, sealed.claims[claim]) == me
        }

    async def _settle(
        self, sealed: Sealed, taken: Mapping[str, str]
    ) -> tuple[dict[str, Document], dict[str, Document], set[str]]:
        """The window's ledger entries and cells (the contributions applied in order), and
        which of the cells were stored."""
        ledger: dict[str, Document] = {}
        cells = await self._stored_cells({p.contribution.cell.id for p in sealed.pending})
        stored = set(cells)
        applied = {cell_id: set(cell[APPLIED]) for cell_id, cell in cells.items()}
        for pending in sealed.pending:
            contribution, inc = pending.contribution, self._owned(sealed, pending, taken)
            if not inc:
                continue
            cell = contribution.cell
            ledger.setdefault(
                contribution.id,
                {
                    "_id": contribution.id,
                    "cell": cell.id,
                    "inc": dict(inc),
                    "events": list(contribution.events),
                },
            )
            marks = applied.setdefault(cell.id, set())
            if contribution.id in marks:
                continue
            document = cells.setdefault(cell.id, _new_cell(contribution))
            counts: dict[str, int] = document["c"]
            for name, value in inc.items():
                counts[name] = counts.get(name, 0) + value
            document[APPLIED].append(contribution.id)
            marks.add(contribution.id)
        return ledger, cells, stored

    async def _stored_cells(self, ids: set[str]) -> dict[str, Document]:
        stored = sorted(key for key in ids if self.written.may_have("cells", key))
        return {cell["_id"]: cell for cell in await self._by_id("cells", stored)}

    async def _write(
        self,
        name: str,
        documents: Mapping[str, Writable],
        stored: set[str],
        written: Written,
    ) -> None:
        """New documents inserted, stored ones replaced whole (by ``_id``)."""
        for key in documents:
            self.written.add(name, key)
        await self._insert(name, [d for key, d in documents.items() if key not in stored], written)
        replaced = [
            ReplaceOne({"_id": key}, _document(d)) for key, d in documents.items() if key in stored
        ]
        for chunk in _chunks(replaced, REPLACE_BATCH):
            async with self.writes:
                await self.collection(name).bulk_write(chunk, ordered=False)
            written.replaced += len(chunk)

    async def _insert(
        self, name: str, documents: Sequence[Writable], written: Written
    ) -> list[str]:
        """Insert; the ids already stored (their stored document stays) are returned."""
        found = await asyncio.gather(
            *(self._insert_chunk(name, chunk) for chunk in _chunks(documents, WRITE_BATCH))
        )
        duplicates = [key for keys in found for key in keys]
        written.inserted += len(documents) - len(duplicates)
        return duplicates

    async def _insert_chunk(self, name: str, chunk: list[Writable]) -> list[str]:
        """One insert_many (a few in flight at once: the store takes concurrent inserts
        several times faster than one after another, docs/benchmarks.md)."""
        async with self.writes:
            try:
                await self.collection(name).insert_many(chunk, ordered=False)
            except BulkWriteError as error:
                errors = error.details["writeErrors"]
                if [e for e in errors if e["code"] != _DUPLICATE_KEY]:
                    raise
                return [chunk[e["index"]]["_id"] for e in errors]
        return []

    def _forget(self) -> None:
        """Empty the window, but keep the facts documents it wrote for one window more, as
        stored: with the replay in time order, the next window's events touch some of them
        again (a case's events around the window's end) and need not read them back."""
        for kind in FACTS_KINDS:
            written = self.dirty[kind]
            self.facts[kind] = {key: self.facts[kind][key] for key in written}
            self.stored[kind] = set(written)
            self.known[kind] = set(written)
            self.dirty[kind] = set()
        self.claims = {}  # the sealed window has these
        self.pending = []
        self._resolved.clear()


def _document(document: Writable) -> Document:
    if isinstance(document, RawBSONDocument):
        return decode(document.raw, codec_options=_AS_STORED)
    return document


def _new_cell(contribution: Contribution) -> Document:
    cell = contribution.cell
    return {
        "_id": cell.id,
        "office": cell.office,
        "municipality": cell.municipality,
        "month": cell.month,
        "year": cell.year,
        "c": {},
        APPLIED: [],
    }


def _chunks(items: Sequence[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
