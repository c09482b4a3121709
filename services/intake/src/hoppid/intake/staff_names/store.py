"""Staff names' repository: an API key's label and a staff account's name, by their ids, for
the case page (who wrote a note: only the office's own are named, so another office's labels
never show) and the audit trail (who acted, by the name they have now). ``StaffNameStore`` is
the only place these look-ups' Mongo filters are written; ``StaffNames`` names its methods,
and ``memory.MemoryStaffNames`` keeps the same promises
(tests/contract/test_staff_name_repository.py runs the same cases on both)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol

from pymongo.asynchronous.database import AsyncDatabase

from hoppid.intake.accounts import ACCOUNTS, account_key
from hoppid.intake.store import KEYS

if TYPE_CHECKING:
    from hoppid.intake.context import Context

Document = dict[str, Any]


class StaffNames(Protocol):
    async def of_office(self, office_id: str, ids: Iterable[str]) -> dict[str, str]: ...

    async def key_label(self, key_id: str) -> str | None: ...

    async def account_name(self, subject: str) -> str | None: ...


class StaffNameStore:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self.db = database

    async def of_office(self, office_id: str, ids: Iterable[str]) -> dict[str, str]:
        """A note's ``by`` (an API key's id, or ``account:<subject>`` for a staff account's
        session) → the key's label or the account's name (its id if it has none), for those of
        the office found."""
        wanted = set(ids)
        prefix = account_key("")
        subjects = [i.removeprefix(prefix) for i in wanted if i.startswith(prefix)]
        keys = [i for i in wanted if not i.startswith(prefix)]
        names: dict[str, str] = {}
        if keys:
            query = {"_id": {"$in": keys}, "office_id": office_id}
            async for key in self.db[KEYS].find(query, {"label": 1}):
                names[key["_id"]] = key.get("label") or key["_id"]
        if subjects:
            query = {"_id": {"$in": subjects}, "office_id": office_id}
            async for account in self.db[ACCOUNTS].find(query, {"name": 1}):
                names[account_key(account["_id"])] = account.get("name") or account["_id"]
        return names

    async def key_label(self, key_id: str) -> str | None:
        """The key's label, in whichever office (None for no key, or one without a label)."""
        key = await self.db[KEYS].find_one({"_id": key_id}, {"label": 1})
        return (key or {}).get("label")

    async def account_name(self, subject: str) -> str | None:
        """The account's name, in whichever office (None for no account, or one unnamed)."""
        account = await self.db[ACCOUNTS].find_one({"_id": subject}, {"name": 1})
        return (account or {}).get("name")


def staff_names(ctx: Context) -> StaffNames:
    """The context's own (a test's memory one), else the store on intake's database."""
    return ctx.staff_names if ctx.staff_names is not None else StaffNameStore(ctx.store.db)


def _keeps_to_the_protocol(store: StaffNameStore) -> StaffNames:
    return store  # mypy: the store has every method of the Protocol, typed alike
