"""MongoDB: the client factory and index declarations applied at start.

The code must run on MongoDB 7+ and on FerretDB 1.24 (GUIDE.md section 5): single-document
atomic updates only, no transactions, no change streams, no TTL or partial indexes. On the local
store an update of one document is atomic only with deploy/local's patch (decision 0007).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING, AsyncMongoClient, IndexModel, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure, DuplicateKeyError, OperationFailure
from pymongo.monitoring import CommandListener

Document = dict[str, Any]

# Server answers that say "the store cannot serve just now", not "this command is wrong":
# InternalError (1: FerretDB's answer while its PostgreSQL is down or restarting, "failed to
# connect to ..."), HostUnreachable, HostNotFound, NetworkTimeout, ShutdownInProgress,
# PrimarySteppedDown, SocketException, NotWritablePrimary,
# InterruptedAtShutdown, InterruptedDueToReplStateChange, NotPrimaryNoSecondaryOk,
# NotPrimaryOrSecondary (a replica set's election on MongoDB).
UNAVAILABLE_CODES = frozenset({1, 6, 7, 89, 91, 189, 9001, 10107, 11600, 11602, 13435, 13436})


# MongoDB's answers for a write that breaks a unique index (what pymongo's DuplicateKeyError is)
DUPLICATE_KEY_CODES = frozenset({11000, 11001, 12582})
# PostgreSQL's unique_violation, which FerretDB 1.24 passes on in an InternalError's message
POSTGRES_UNIQUE_VIOLATION = "SQLSTATE 23505"


def is_duplicate_key(error: OperationFailure) -> bool:
    """Whether a write broke a unique index, on either store.

    MongoDB says so with DuplicateKeyError (code 11000), and so do FerretDB 1.24's inserts and
    upserts that insert. An *update* of an existing document that would break a unique index
    (``update_one``, ``find_one_and_update``, ``replace_one``) is answered by FerretDB with
    InternalError (code 1), the code it also gives while its PostgreSQL is down, and a message
    ending ``ERROR: duplicate key value violates unique constraint "..." (SQLSTATE 23505)``. The
    SQLSTATE tells the two apart (the English text may be translated by PostgreSQL's locale)."""
    if isinstance(error, DuplicateKeyError) or error.code in DUPLICATE_KEY_CODES:
        return True
    if error.code != 1:
        return False
    message = str((error.details or {}).get("errmsg", error))
    return POSTGRES_UNIQUE_VIOLATION in message or "violates unique constraint" in message


def store_unavailable(error: BaseException) -> bool:
    """Whether a store error passes by itself: the store (or the database behind it) is out of
    reach or failing over, so the same command may work later. Never a bad command or document:
    those are the caller's to fix, and retrying them would never end (a duplicate key among
    them, though FerretDB answers an update's with the same code 1 as its database down)."""
    if isinstance(error, ConnectionFailure):  # AutoReconnect, ServerSelectionTimeoutError, ...
        return True
    if isinstance(error, OperationFailure):
        if is_duplicate_key(error):
            return False
        return error.code in UNAVAILABLE_CODES or error.has_error_label("RetryableWriteError")
    return False


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


async def upsert_by_id(
    collection: AsyncCollection[Document], document_id: Any, update: Mapping[str, Any]
) -> Document:
    """Update the document with this ``_id``, inserting it when there is none; the whole
    document after.

    Two writers of one new document (two replicas of a consumer) may both find none and both
    insert: MongoDB retries the loser's upsert itself, FerretDB answers it with a duplicate key
    error. The document exists then, so the second try updates it.
    """
    query, change = {"_id": document_id}, dict(update)
    after = ReturnDocument.AFTER
    try:
        found = await collection.find_one_and_update(
            query, change, upsert=True, return_document=after
        )
    except DuplicateKeyError:
        found = await collection.find_one_and_update(
            query, change, upsert=True, return_document=after
        )
    if found is None:  # an upsert returns the document after it: never None
        raise RuntimeError(f"the upsert of {document_id!r} returned no document")
    return found
