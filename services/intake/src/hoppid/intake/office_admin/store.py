"""What the office admin's pages read: the office's accounts and its live keys (never a key's
hash: the pages have no use for it)."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from hoppid.intake.accounts import ACCOUNTS
from hoppid.intake.store import KEYS
from hoppid.shared.mongo import IndexSpec

Document = dict[str, Any]
SHOWN = 500  # rows on one page: an office has a handful of staff and machines
KEY_FIELDS = {"label": 1, "role": 1, "issued_at": 1, "office_id": 1}
INDEXES = [
    IndexSpec(ACCOUNTS, ["office_id", "name"]),  # the office's accounts by name
    IndexSpec(KEYS, ["office_id", "issued_at"]),  # the office's keys, newest first
]


async def office_accounts(database: AsyncDatabase[Document], office_id: str) -> list[Document]:
    found = database[ACCOUNTS].find({"office_id": office_id}).sort("name", ASCENDING)
    return [account async for account in found.limit(SHOWN)]


async def office_account(
    database: AsyncDatabase[Document], office_id: str, subject: str
) -> Document | None:
    return await database[ACCOUNTS].find_one({"_id": subject, "office_id": office_id})


async def office_keys(database: AsyncDatabase[Document], office_id: str) -> list[Document]:
    """The office's keys not revoked, newest first."""
    query = {"office_id": office_id, "revoked_at": None}
    found = database[KEYS].find(query, KEY_FIELDS).sort("issued_at", DESCENDING)
    return [key async for key in found.limit(SHOWN)]


async def office_key(
    database: AsyncDatabase[Document], office_id: str, key_id: str
) -> Document | None:
    query = {"_id": key_id, "office_id": office_id, "revoked_at": None}
    return await database[KEYS].find_one(query, KEY_FIELDS)
