"""reporting's MongoDB persistence: versioned read models, and the few things never rebuilt.

Read models live in a *version* of collections (``v<N>_cells``, ``v<N>_cases``, ``v<N>_claims``,
``v<N>_ledger``, ``v<N>_offices``); the ``projection_state`` document says which version is
active. A rebuild fills version N+1 from the topics and then switches the pointer (rebuild/). One
version's documents are written through the projection's repository (projection/store.py).
``v<N>_dropped`` holds one-way digests of the cases the retention pass dropped (retention.py).
Never rebuilt: ``api_keys`` (the shared key ring's), ``public_facts`` (the partner topic's
outbox: a replay must not publish again), ``partner_cases`` (what those facts join on) and
``partner_people`` (whose facts carried an organisation number, and who withdrew).

Each update of one document is atomic on the store (MongoDB; the local store since
docs/decisions/0007), so two instances may project side by side.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from hoppid.shared.clock import real_now
from hoppid.shared.consumer import TransientError
from hoppid.shared.envelope import Envelope
from hoppid.shared.mongo import IndexSpec, apply_indexes, upsert_by_id
from hoppid.shared.outbox import outbox_fields, outbox_indexes

Document = dict[str, Any]

STATE, STATE_ID = "projection_state", "projections"
CHECKPOINT_ID = "rebuild"  # in STATE: how far the build of the version ``building`` has got
PUBLIC_FACTS, PARTNER_CASES, PARTNER_PEOPLE = "public_facts", "partner_cases", "partner_people"
OUTBOX_COLLECTIONS = (PUBLIC_FACTS,)
VERSIONED = ("cells", "cases", "claims", "ledger", "offices", "enrolments", "seats")
DROPPED = "dropped"  # per version too, but never projected: retention.py fills it

INDEXES: list[IndexSpec] = [
    *outbox_indexes(OUTBOX_COLLECTIONS),
    IndexSpec(PARTNER_PEOPLE, ["cases_dropped_at"]),  # retention: whose cases went
]


def version_indexes(version: int) -> list[IndexSpec]:
    cells, ledger = f"v{version}_cells", f"v{version}_ledger"
    cases, claims = f"v{version}_cases", f"v{version}_claims"
    return [
        IndexSpec(cases, ["opened.year", "opened.office"]),
        IndexSpec(cases, ["opened.month", "opened.office"]),
        IndexSpec(cases, ["opened.office", "opened.year"]),  # an office's all-time figures
        IndexSpec(cells, ["year", "office"]),
        IndexSpec(cells, ["month", "office"]),
        IndexSpec(cells, ["office", "year"]),  # an office's all-time figures
        IndexSpec(ledger, ["cell"]),
        IndexSpec(cases, ["opened.at"]),  # retention: the cases that may be past their period
        IndexSpec(cases, ["opened.person"]),  # retention: all of a person's cases
        IndexSpec(claims, ["owner"]),  # retention: the claims a dropped case held
    ]


# --- which version is active ------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    active: int
    switching_until: datetime | None = None
    building: int | None = None

    def switching(self, now: datetime) -> bool:
        """A rebuild is switching over: live projections wait (its lease runs out if it dies)."""
        return self.switching_until is not None and now < self.switching_until


class Versions:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self.db = database

    async def ensure(self) -> State:
        """The state, starting at version 1 on a new database."""
        await self.db[STATE].update_one(
            {"_id": STATE_ID}, {"$setOnInsert": {"active": 1}}, upsert=True
        )
        await apply_indexes(self.db, version_indexes((await self.state()).active))
        return await self.state()

    async def state(self) -> State:
        document = await self.db[STATE].find_one({"_id": STATE_ID}) or {"active": 1}
        return State(
            int(document["active"]), document.get("switching_until"), document.get("building")
        )

    async def _set(self, fields: Mapping[str, Any]) -> None:
        await self.db[STATE].update_one({"_id": STATE_ID}, {"$set": dict(fields)})

    async def begin_build(self, resume: bool = True) -> tuple[int, Document | None]:
        """The version to build, and the checkpoint of a stopped build of it to continue from
        (None: a fresh version, any half-built one dropped first)."""
        state = await self.ensure()
        if resume and state.building is not None and state.building > state.active:
            checkpoint = await self.db[STATE].find_one(
                {"_id": CHECKPOINT_ID, "version": state.building}
            )
            if checkpoint is not None:
                return state.building, checkpoint
        version = max(state.active, state.building or 0) + 1
        await self.drop(version)  # a build that died before its first checkpoint: no trace
        await self.db[STATE].delete_one({"_id": CHECKPOINT_ID})
        await apply_indexes(self.db, version_indexes(version))
        await self._set({"building": version})
        return version, None

    async def save_checkpoint(self, version: int, fields: Mapping[str, Any]) -> None:
        """Where the build of ``version`` has got to (rebuild/replay.py writes and reads them)."""
        document = {"_id": CHECKPOINT_ID, "version": version, **fields}
        await self.db[STATE].replace_one({"_id": CHECKPOINT_ID}, document, upsert=True)

    async def hold_switch(self, seconds: float) -> None:
        await self._set({"switching_until": real_now() + timedelta(seconds=seconds)})

    async def switch(self, version: int) -> int:
        """Make ``version`` active; returns the version it replaces."""
        previous = (await self.state()).active
        await self._set(
            {"active": version, "previous": previous, "building": None, "switching_until": None}
        )
        await self.db[STATE].delete_one({"_id": CHECKPOINT_ID})
        return previous

    async def release(self) -> None:
        """End the lease; the version stays ``building`` so a new run continues it."""
        await self._set({"switching_until": None})

    async def drop(self, version: int) -> None:
        for name in (*VERSIONED, DROPPED):
            await self.db.drop_collection(f"v{version}_{name}")

    async def drop_older_than(self, version: int) -> None:
        names = await self.db.list_collection_names()
        for name in names:
            prefix = name.split("_", 1)[0]
            if prefix.startswith("v") and prefix[1:].isdigit() and int(prefix[1:]) < version:
                await self.db.drop_collection(name)


# --- never rebuilt ---------------------------------------------------------------------------


class PublicFactsOutbox(Protocol):
    """How the partner handlers publish a fact once per source: ``PublicFacts`` here and
    ``memory.MemoryPublicFacts``."""

    async def publish_once(self, source_event_id: str, envelope: Envelope) -> bool: ...


class PublicFacts:
    """The partner topic's outbox: one document per source event, its fact in ``outbox``."""

    def __init__(self, database: AsyncDatabase[Document], topic: str) -> None:
        self.collection = database[PUBLIC_FACTS]
        self.topic = topic

    async def publish_once(self, source_event_id: str, envelope: Envelope) -> bool:
        """Insert the fact with its outbox entry; False when this source was published already."""
        try:
            await self.collection.insert_one(
                {
                    "_id": source_event_id,
                    "type": envelope.type,
                    "at": real_now(),
                    **outbox_fields(self.topic, [envelope]),
                }
            )
            return True
        except DuplicateKeyError:
            return False


class PartnerPeopleRepository(Protocol):
    """What the partner handlers (consumers.py) and the retention pass need of the people whose
    facts carried an organisation number: ``PartnerPeople`` here (Mongo) and
    ``memory.MemoryPartnerPeople`` (a dict, for unit tests); the contract test
    (tests/contract/test_partner_repository.py) holds them to the same answers."""

    async def share(self, person: str, fact: Mapping[str, Any]) -> bool: ...

    async def withdraw(self, person: str, at: datetime) -> Document: ...

    async def find(self, person: str) -> Document | None: ...

    async def cases_dropped(self, person: str, at: datetime) -> None: ...

    async def sweep_dropped(self) -> int: ...


class PartnerCaseRepository(Protocol):
    """What the partner handlers and retention need of the cases the partner facts join on:
    ``PartnerCases`` here and ``memory.MemoryPartnerCases``."""

    async def record(self, case_id: str, fields: Mapping[str, Any]) -> Document: ...

    async def forget(self, case_id: str) -> None: ...


class PartnerPeople:
    """Per person (a one-way digest of intake's person id): the partner facts that carried their
    organisation number, by the fact's ce_id, and when they withdrew the agreement to share it
    (or were erased). Once withdrawn, no fact is shared any more and those recorded are retracted.
    Never rebuilt, like the facts."""

    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self.collection = database[PARTNER_PEOPLE]

    async def share(self, person: str, fact: Mapping[str, Any]) -> bool:
        """Record a fact carrying the person's organisation number, unless they withdrew:
        True when recorded (the fact may be published), False when withdrawn. One conditional
        update, so a withdrawal handled at the same moment either sees the fact or stops it."""
        query = {"_id": person, "withdrawn_at": None}
        change = {"$set": {f"shared.{fact['id']}": dict(fact)}}
        for _ in range(3):
            try:
                await self.collection.update_one(query, change, upsert=True)
                return True
            except DuplicateKeyError:  # withdrawn; or (FerretDB) inserted at the same moment
                found = await self.collection.find_one({"_id": person})
                if found is not None and found.get("withdrawn_at") is not None:
                    return False
        raise TransientError(f"partner sharing of {person} raced three times")

    async def withdraw(self, person: str, at: datetime) -> Document:
        """Mark the person withdrawn (the first time counts); the document after."""
        query = {"_id": person, "withdrawn_at": None}
        with contextlib.suppress(DuplicateKeyError):  # withdrawn already, or inserted meanwhile
            await self.collection.update_one(query, {"$set": {"withdrawn_at": at}}, upsert=True)
        await self.collection.update_one(query, {"$set": {"withdrawn_at": at}})
        found = await self.collection.find_one({"_id": person})
        if found is None:  # deleted between the update and the read: handle the event again
            raise TransientError(f"partner sharing of {person} gone right after its withdrawal")
        return found

    async def find(self, person: str) -> Document | None:
        return await self.collection.find_one({"_id": person})

    async def cases_dropped(self, person: str, at: datetime) -> None:
        """Retention dropped all the person's cases: their record goes if they withdrew (the
        facts are retracted); else it is marked, and goes once they withdraw or are erased
        (``sweep_dropped``)."""
        await self.collection.delete_one({"_id": person, "withdrawn_at": {"$ne": None}})
        await self.collection.update_one({"_id": person}, {"$set": {"cases_dropped_at": at}})

    async def sweep_dropped(self) -> int:
        """Delete the records of people whose cases went and who have withdrawn since; how
        many (the ``cases_dropped_at`` index)."""
        result = await self.collection.delete_many(
            {"cases_dropped_at": {"$exists": True}, "withdrawn_at": {"$ne": None}}
        )
        return result.deleted_count


class PartnerCases:
    """What the partner facts need to join scheduling to intake: each case's municipality and
    its held meetings not yet known to be placed (in any order). Never rebuilt, like the facts."""

    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self.collection = database[PARTNER_CASES]

    async def record(self, case_id: str, fields: Mapping[str, Any]) -> Document:
        """Set facts of a case; the whole case after."""
        return await upsert_by_id(self.collection, case_id, {"$set": dict(fields)})

    async def forget(self, case_id: str) -> None:
        """Retention dropped the case: what joined its facts goes too."""
        await self.collection.delete_one({"_id": case_id})
