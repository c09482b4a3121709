"""Crypto-shredding on the real store: sealed until erased, then unreadable for good."""

import dataclasses
from typing import Any, ClassVar

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import Field
from pymongo.asynchronous.database import AsyncDatabase

from hoppid.shared.events import Event, pii_field
from hoppid.shared.pii import SEALED, PersonalDataVault, VaultKeyError, encrypt_field, vault_kek
from hoppid.shared.testing import vault_for_tests


class Greeted(Event):
    """A test event with personal data."""

    event_type: ClassVar[str] = "no.hoppid.test.person.greeted.v1"
    case_id: str = Field(description="The case")
    name: str | None = pii_field("The person's name", default=None)
    email: str | None = pii_field("The person's address", default=None)


async def test_sealed_until_the_key_is_destroyed(database: AsyncDatabase[dict[str, Any]]) -> None:
    vault = vault_for_tests(database)
    event = Greeted(case_id="c1", name="Åse Ødegård", email="ase@example.no")
    envelope = event.to_envelope(source="/t", subject="c1")
    sealed = await vault.seal(envelope, Greeted, "person-1")
    assert sealed.data["case_id"] == "c1"
    assert b"ase@example.no" not in sealed.value() and "Ødegård".encode() not in sealed.value()

    opened = await vault.unseal(sealed)
    assert Greeted.model_validate(opened.data) == event
    assert await vault.seal(envelope, Greeted, "person-1") != sealed  # same key, new nonce

    await vault.destroy("person-1")
    erased = Greeted.model_validate((await vault.unseal(sealed)).data)
    assert (erased.case_id, erased.name, erased.email) == ("c1", None, None)
    stored = await database["person_keys"].find_one({"_id": "person-1"})
    assert stored is not None
    assert "key" not in stored and "wrapped" not in stored
    try:
        await vault.seal(envelope, Greeted, "person-1")
        raise AssertionError("an erased person must not get a new key")
    except PermissionError:
        pass


async def test_a_key_made_without_looking_first_is_still_the_one_key(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    """``likely_new`` only saves a look-up: an existing key is used, a destroyed one refused."""
    vault = vault_for_tests(database)
    envelope = Greeted(case_id="c2", name="Per", email="per@example.no").to_envelope(
        source="/t", subject="c2"
    )
    first = await vault.seal(envelope, Greeted, "person-2", likely_new=True)
    again = await vault.seal(envelope, Greeted, "person-2", likely_new=True)  # key exists
    for sealed in (first, again):
        assert (await vault.unseal(sealed)).data["email"] == "per@example.no"
    assert await database["person_keys"].count_documents({"_id": "person-2"}) == 1

    await vault.destroy("person-2")
    try:
        await vault.seal(envelope, Greeted, "person-2", likely_new=True)
        raise AssertionError("an erased person must not get a new key")
    except PermissionError:
        pass


async def test_the_store_alone_opens_nothing(database: AsyncDatabase[dict[str, Any]]) -> None:
    """The data key is stored wrapped under a key-encryption key that is not in the store: a
    copy of the store with another platform secret (or none) opens no sealed field."""
    vault = vault_for_tests(database)
    envelope = Greeted(case_id="c3", name="Kari", email="kari@example.no").to_envelope(
        source="/t", subject="c3"
    )
    sealed = await vault.seal(envelope, Greeted, "person-3")
    stored = await database["person_keys"].find_one({"_id": "person-3"})
    assert stored is not None
    assert "key" not in stored and len(stored["wrapped"]) == 12 + 32 + 16  # nonce, key, tag

    other_secret = "another-platform-secret-of-32-chars-at-least"
    stranger = PersonalDataVault(database, vault_kek(other_secret))
    with pytest.raises(VaultKeyError, match="person-3"):
        await stranger.unseal(sealed)
    assert (await vault.unseal(sealed)).data["email"] == "kari@example.no"


async def test_a_key_stored_in_plain_is_wrapped_when_first_read(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    """Keys an older build stored in plain still open their fields; the first read wraps them."""
    key = AESGCM.generate_key(bit_length=256)
    await database["person_keys"].insert_one({"_id": "person-4", "key": key})
    context = f"{Greeted.event_type}|email|person-4"
    envelope = Greeted(case_id="c4").to_envelope(source="/t", subject="c4")
    envelope = dataclasses.replace(
        envelope,
        data={
            **envelope.data,
            "email": {SEALED: encrypt_field(key, "old@example.no", context), "person": "person-4"},
        },
    )
    vault = vault_for_tests(database)
    assert (await vault.unseal(envelope)).data["email"] == "old@example.no"
    stored = await database["person_keys"].find_one({"_id": "person-4"})
    assert stored is not None and "key" not in stored and "wrapped" in stored
    assert (await vault.unseal(envelope)).data["email"] == "old@example.no"  # now through the wrap
