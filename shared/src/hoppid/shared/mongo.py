"""MongoDB: the client factory and index declarations applied at start.

The code must run on MongoDB 7+ and on FerretDB 1.24 (GUIDE.md section 5): single-document
atomic updates only, no transactions, no change streams, no TTL or partial indexes.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING, AsyncMongoClient, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.monitoring import CommandListener

Document = dict[str, Any]


def make_mongo_client(
    url: str, *, timeout_seconds: float = 5.0, listeners: Sequence[CommandListener] = ()
) -> AsyncMongoClient[Document]:
    """An async client that fails fast (no 30 s hang) when the store is down; times in UTC."""
    timeout_ms = int(timeout_seconds * 1000)
    return AsyncMongoClient(
        url,
        tz_aware=True,
        event_listeners=list(listeners),
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        # a store that comes back is picked up again by the driver's monitor on its own
        heartbeatFrequencyMS=2_000,
    )


@dataclass(frozen=True)
class IndexSpec:
    """One index of one collection, declared next to the code that relies on it."""

    collection: str
    keys: Sequence[str | tuple[str, int]]
    unique: bool = False
    name: str = ""

    def model(self) -> IndexModel:
        keys = [(key, ASCENDING) if isinstance(key, str) else key for key in self.keys]
        options: dict[str, Any] = {"unique": self.unique}
        if self.name:
            options["name"] = self.name
        return IndexModel(keys, **options)


async def apply_indexes(database: AsyncDatabase[Document], specs: Iterable[IndexSpec]) -> None:
    """Create the declared indexes; creating an existing one again is a no-op.

    One command per index: FerretDB 1.24 drops the connection (a panic on its side) when one
    ``createIndexes`` command names two or more indexes that exist already, which is what
    every restart of a service does. See docs/decisions/0002-storage-portability.md.
    """
    for spec in specs:
        await database[spec.collection].create_indexes([spec.model()])


class DocumentLocks:
    """Serialise this process's writes to any one document.

    MongoDB applies each single-document update atomically. FerretDB 1.24 (on SQLite as on
    PostgreSQL) does not: it reads the document, applies the update in memory and writes it back,
    so two concurrent updates of one document can lose one of them (measured on SQLite: 300
    concurrent ``$inc``/``$push`` against ``$pop`` on one document lost 28 increments; on
    PostgreSQL, 50 concurrent ``$inc`` kept 2 to 24, decisions/0005). Every write that may meet
    another on the same document (a handler's update and the outbox relay's removal) holds this
    lock, which makes a single process safe on both stores. Several instances of one service need
    MongoDB.
    See docs/decisions/0002-storage-portability.md.
    """

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[tuple[str, object], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    @asynccontextmanager
    async def hold(self, collection: str, document_id: object) -> AsyncIterator[None]:
        key = (collection, document_id)
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        async with lock:
            yield
