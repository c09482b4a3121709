"""Who wrote a note: the stored ``by`` is the API key's id or ``account:<subject>`` (a staff
account's session); the page shows the key's label or the account's name. Only the office's own
keys and accounts are named, so another office's labels never show."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from hoppid.intake.accounts import ACCOUNTS, account_key
from hoppid.intake.store import KEYS


async def author_names(
    db: AsyncDatabase[dict[str, Any]], office_id: str, ids: Iterable[str]
) -> dict[str, str]:
    """``by`` → a name, for those found (both looked up by ``_id``)."""
    wanted = set(ids)
    prefix = account_key("")
    subjects = [i.removeprefix(prefix) for i in wanted if i.startswith(prefix)]
    keys = [i for i in wanted if not i.startswith(prefix)]
    names: dict[str, str] = {}
    if keys:
        query = {"_id": {"$in": keys}, "office_id": office_id}
        async for key in db[KEYS].find(query, {"label": 1}):
            names[key["_id"]] = key.get("label") or key["_id"]
    if subjects:
        query = {"_id": {"$in": subjects}, "office_id": office_id}
        async for account in db[ACCOUNTS].find(query, {"name": 1}):
            names[account_key(account["_id"])] = account.get("name") or account["_id"]
    return names
