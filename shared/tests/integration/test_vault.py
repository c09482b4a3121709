"""Crypto-shredding on the real store: sealed until erased, then unreadable for good."""

from typing import Any, ClassVar

from pydantic import Field
from pymongo.asynchronous.database import AsyncDatabase

from hoppid.shared.events import Event, pii_field
from hoppid.shared.pii import PersonalDataVault


class Greeted(Event):
    """A test event with personal data."""

    event_type: ClassVar[str] = "no.hoppid.test.person.greeted.v1"
    case_id: str = Field(description="The case")
    name: str | None = pii_field("The person's name", default=None)
    email: str | None = pii_field("The person's address", default=None)


async def test_sealed_until_the_key_is_destroyed(database: AsyncDatabase[dict[str, Any]]) -> None:
    vault = PersonalDataVault(database)
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
    assert "key" not in stored
    try:
        await vault.seal(envelope, Greeted, "person-1")
        raise AssertionError("an erased person must not get a new key")
    except PermissionError:
        pass


async def test_a_key_made_without_looking_first_is_still_the_one_key(
    database: AsyncDatabase[dict[str, Any]],
) -> None:
    """``likely_new`` only saves a look-up: an existing key is used, a destroyed one refused."""
    vault = PersonalDataVault(database)
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
