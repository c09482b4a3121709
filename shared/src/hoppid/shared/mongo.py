"""MongoDB: the client factory and index declarations applied at start.

The code must run on MongoDB 7+ and on FerretDB 1.24 (GUIDE.md section 5): single-document
atomic updates only, no transactions, no change streams, no TTL or partial indexes. On the local
store an update of one document is atomic only with deploy/local's patch (decision 0007).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
