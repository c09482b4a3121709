"""Staff names in memory: the same methods and promises as ``StaffNameStore`` (a note's writer
named only when the key or account is the office's own, an unnamed one by its id; the trail's
look-ups in whichever office), for fast tests. tests/contract/test_staff_name_repository.py
runs the same cases on both."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hoppid.intake.accounts import account_key
from hoppid.intake.staff_names.store import StaffNames

Document = dict[str, Any]


class MemoryStaffNames:
    def __init__(self) -> None:
        self.keys: dict[str, Document] = {}  # as the api_keys collection holds them, by _id
        self.accounts: dict[str, Document] = {}  # as staff_accounts holds them, by subject

    def add_key(self, key: Document) -> None:
        self.keys[key["_id"]] = dict(key)

    def add_account(self, account: Document) -> None:
        self.accounts[account["_id"]] = dict(account)

    async def of_office(self, office_id: str, ids: Iterable[str]) -> dict[str, str]:
        prefix = account_key("")
        names: dict[str, str] = {}
        for by in set(ids):
            if by.startswith(prefix):
                found, field = self.accounts.get(by.removeprefix(prefix)), "name"
            else:
                found, field = self.keys.get(by), "label"
            if found is not None and found.get("office_id") == office_id:
                names[by] = found.get(field) or found["_id"]
        return names

    async def key_label(self, key_id: str) -> str | None:
        return (self.keys.get(key_id) or {}).get("label")

    async def account_name(self, subject: str) -> str | None:
        return (self.accounts.get(subject) or {}).get("name")


def _keeps_to_the_protocol(memory: MemoryStaffNames) -> StaffNames:
    return memory  # mypy: the memory repository has every method of the Protocol, typed alike
