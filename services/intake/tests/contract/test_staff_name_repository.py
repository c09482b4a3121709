"""Staff names' repository contract: the same cases on the in-memory repository
(staff_names.memory, the fast lane) and on ``StaffNameStore`` against the stack's store (marked
integration). A note's writer (a key id or ``account:<subject>``) is named by the key's label or
the account's name only when it belongs to the office, by its id when it has none; the audit
trail's look-ups name a key or an account of any office."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from hoppid.intake.accounts import ACCOUNTS
from hoppid.intake.staff_names.memory import MemoryStaffNames
from hoppid.intake.staff_names.store import StaffNames, StaffNameStore
from hoppid.intake.store import IntakeStore
from hoppid.shared.testing import CONTRACT_SIDES, fresh_database

Document = dict[str, Any]


@dataclass
class Names:
    """The repository, and how keys and accounts get there (written by others: the root's
    store writes the keys, accounts.py the accounts)."""

    repository: StaffNames
    add_key: Callable[[Document], Awaitable[object]]
    add_account: Callable[[Document], Awaitable[object]]


@pytest.fixture(params=CONTRACT_SIDES)
async def names(request: pytest.FixtureRequest) -> AsyncIterator[Names]:
    if request.param == "memory":
        memory = MemoryStaffNames()

        async def add_key(key: Document) -> None:
            memory.add_key(key)

        async def add_account(account: Document) -> None:
            memory.add_account(account)

        yield Names(memory, add_key, add_account)
        return
    async with fresh_database("test_staff_names") as database:
        keys = IntakeStore(database, "contract.hoppid.intake")
        yield Names(
            StaffNameStore(database),
            lambda key: keys.add_key(key, []),
            database[ACCOUNTS].insert_one,
        )


async def seed(names: Names) -> None:
    await names.add_key({"_id": "k-rauma", "office_id": "nordveggen", "label": "Kari's key"})
    await names.add_key({"_id": "k-molde", "office_id": "molde", "label": "Ola's key"})
    await names.add_key({"_id": "k-bare", "office_id": "nordveggen"})
    await names.add_account({"_id": "sub-1", "office_id": "nordveggen", "name": "Kari Rådgiver"})
    await names.add_account({"_id": "sub-2", "office_id": "molde", "name": "Ola Rådgiver"})
    await names.add_account({"_id": "sub-3", "office_id": "nordveggen", "name": ""})


async def test_note_writers_are_named_only_within_their_office(names: Names) -> None:
    await seed(names)
    writers = ["k-rauma", "k-molde", "k-bare", "account:sub-1", "account:sub-2"]
    writers += ["account:sub-3", "account:sub-9", "gone"]
    assert await names.repository.of_office("nordveggen", writers) == {
        "k-rauma": "Kari's key",
        "k-bare": "k-bare",  # no label: its id
        "account:sub-1": "Kari Rådgiver",
        "account:sub-3": "sub-3",  # no name: the subject
    }
    assert await names.repository.of_office("molde", ["k-molde", "account:sub-2"]) == {
        "k-molde": "Ola's key",
        "account:sub-2": "Ola Rådgiver",
    }
    assert await names.repository.of_office("nordveggen", []) == {}


async def test_the_trail_names_a_key_or_an_account_of_any_office(names: Names) -> None:
    await seed(names)
    assert await names.repository.key_label("k-molde") == "Ola's key"
    assert await names.repository.key_label("k-bare") is None
    assert await names.repository.key_label("gone") is None
    assert await names.repository.account_name("sub-2") == "Ola Rådgiver"
    assert await names.repository.account_name("sub-9") is None
