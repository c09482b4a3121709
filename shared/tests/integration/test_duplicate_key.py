"""A write that breaks a unique index is a duplicate key on the store the services use, never
"the store is unavailable" (which the API answers with 503 and consumers retry for ever).

MongoDB answers every such write with DuplicateKeyError. FerretDB 1.24 does so for inserts and
upserts that insert, but answers an update of an existing document with InternalError (code 1,
the code it gives while its PostgreSQL is down) naming PostgreSQL's unique violation:
:func:`hoppid.shared.mongo.is_duplicate_key` knows both.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import OperationFailure

from hoppid.shared.mongo import IndexSpec, apply_indexes, is_duplicate_key, store_unavailable

Write = Callable[[Any], Awaitable[Any]]
# each would give document "b" the name document "a" has
CLASHES: dict[str, Write] = {
    "insert": lambda c: c.insert_one({"_id": "c", "name": "taken"}),
    "upsert inserting": lambda c: c.update_one(
        {"_id": "c"}, {"$set": {"name": "taken"}}, upsert=True
    ),
    "update_one": lambda c: c.update_one({"_id": "b"}, {"$set": {"name": "taken"}}),
    "find_one_and_update": lambda c: c.find_one_and_update(
        {"_id": "b"}, {"$set": {"name": "taken"}}, return_document=ReturnDocument.AFTER
    ),
    "replace_one": lambda c: c.replace_one({"_id": "b"}, {"name": "taken"}),
}


async def test_every_write_breaking_a_unique_index_is_a_duplicate_key(database: Any) -> None:
    await apply_indexes(database, [IndexSpec("named", ["name"], unique=True, name="one_name")])
    named = database["named"]
    await named.insert_many([{"_id": "a", "name": "taken"}, {"_id": "b", "name": "free"}])
    for write, clash in CLASHES.items():
        try:
            await clash(named)
        except OperationFailure as error:
            assert is_duplicate_key(error), (write, error.code, str(error))
            assert not store_unavailable(error), write
        else:
            raise AssertionError(f"{write} broke the unique index without an error")
    assert await named.find_one({"_id": "b"}) == {"_id": "b", "name": "free"}
    assert await named.count_documents({}) == 2
