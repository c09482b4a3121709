"""Staff accounts in the store (``staff_accounts``, by the provider's subject): the only place
the account use cases' and the sign-in's Mongo operators are written (``accounts`` holds the
rules: who may set up which office's accounts, and which sessions end)."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from hoppid.shared.mongo import IndexSpec

Document = dict[str, Any]
ACCOUNTS = "staff_accounts"
# the case page's choice of advisor: the office's advisor accounts
INDEXES = [IndexSpec(ACCOUNTS, ["office_id", "role"])]


class AccountStore:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self.collection = database[ACCOUNTS]

    async def account(self, subject: str) -> Document | None:
        return await self.collection.find_one({"_id": subject})

    async def office_advisors(self, office_id: str) -> dict[str, str]:
        """The office's advisor accounts that name their advisor record: advisor_id → name, by
        name."""
        query = {"office_id": office_id, "role": "advisor"}
        found = self.collection.find(query, {"name": 1, "advisor_id": 1}).sort("name", 1)
        return {
            a["advisor_id"]: a.get("name") or a["advisor_id"]
            async for a in found
            if a.get("advisor_id")
        }

    async def add(self, subject: str, account: Document) -> bool:
        """A new account; False if the subject has one already (in any office)."""
        try:
            await self.collection.insert_one({"_id": subject, **account})
            return True
        except DuplicateKeyError:
            return False

    async def change_in_office(self, subject: str, office_id: str, account: Document) -> bool:
        """The account's fields set, if it is an account of this office; False if not."""
        found = await self.collection.update_one(
            {"_id": subject, "office_id": office_id}, {"$set": account}
        )
        return found.matched_count == 1

    async def put(self, subject: str, account: Document) -> None:
        """The account's fields set, the account made if it is not there."""
        await self.collection.update_one({"_id": subject}, {"$set": account}, upsert=True)

    async def remove_in_office(self, subject: str, office_id: str) -> bool:
        """The account removed if it is an account of this office; False if not."""
        removed = await self.collection.delete_one({"_id": subject, "office_id": office_id})
        return removed.deleted_count == 1
