"""Crypto-shredding: personal data on retained topics, readable until the person is erased.

Each person gets a random data key in the vault (a database of its own on the platform's store,
like a small KMS: not any service's database). Before an event with personal fields goes into an
outbox, :meth:`PersonalDataVault.seal` encrypts each field marked ``pii`` with that key (AES-GCM,
bound to the event type, field and person). Consumers :meth:`unseal` before reading. Erasure
destroys the key (:meth:`destroy`): every copy of those fields, in every topic, retained log and
copy of the topics, becomes unreadable at once, and reads as ``None``. So personal fields must be
optional. Not a backup of the store, which holds the vault and so the key: a restore must erase
again (``python -m hoppid.intake.reerase``; docs/operations.md, "Backups").

The data keys are stored wrapped (AES-GCM, bound to the person) under a key-encryption key that
is not in the store: :func:`vault_kek` derives it from the platform secret (HOPPID_LINK_SECRET,
signing_keys.py) with its own label. A copy of the store alone opens no sealed field. A key
stored in plain by an older build is still read, and wrapped the first time it is read.
"""

from __future__ import annotations

import base64
import dataclasses
import os
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from hoppid.shared.clock import real_now
from hoppid.shared.envelope import Envelope
from hoppid.shared.events.base import Event
from hoppid.shared.signing_keys import VAULT, derived_key

KEYS = "person_keys"
SEALED = "sealed"  # marks an encrypted field in an event's data (no "$": stored in outboxes)
_NONCE_BYTES = 12


def encrypt_field(key: bytes, value: Any, context: str) -> str:
    nonce = os.urandom(_NONCE_BYTES)
    plain = _to_text(value).encode()
    return base64.b64encode(nonce + AESGCM(key).encrypt(nonce, plain, context.encode())).decode()


def decrypt_field(key: bytes, sealed: str, context: str) -> str:
    raw = base64.b64decode(sealed)
    return AESGCM(key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode()).decode()


def _to_text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _context(event_type: str, field: str, person_id: str) -> str:
    return f"{event_type}|{field}|{person_id}"


class VaultKeyError(Exception):
    """A stored data key does not open with this service's key-encryption key."""


def vault_kek(platform_secret: str) -> bytes:
    """The key-encryption key of the vault under the platform secret (its own HKDF label)."""
    return derived_key(platform_secret, VAULT)


def wrap_key(kek: AESGCM, person_id: str, key: bytes) -> bytes:
    """A data key as the vault stores it: encrypted under the key-encryption key, bound to its
    person (for tools that write keys in bulk, like the county seeding)."""
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + kek.encrypt(nonce, key, f"vault|{person_id}".encode())


class PersonalDataVault:
    def __init__(self, database: AsyncDatabase[dict[str, Any]], kek: bytes) -> None:
        self.keys = database[KEYS]
        self._kek = AESGCM(kek)

    def _wrap(self, person_id: str, key: bytes) -> bytes:
        return wrap_key(self._kek, person_id, key)

    def _unwrap(self, person_id: str, wrapped: bytes) -> bytes:
        nonce, sealed = wrapped[:_NONCE_BYTES], wrapped[_NONCE_BYTES:]
        try:
            return self._kek.decrypt(nonce, sealed, f"vault|{person_id}".encode())
        except InvalidTag:
            raise VaultKeyError(
                f"the data key of person {person_id} was wrapped under another platform secret"
                " (HOPPID_LINK_SECRET differs between services, or changed)"
            ) from None

    async def _key(self, person_id: str, *, create: bool, look_first: bool = True) -> bytes | None:
        if look_first or not create:
            found = await self.keys.find_one({"_id": person_id})
            if found is not None:
                return None if found.get("destroyed_at") else await self._stored_key(found)
        if not create:
            return None
        key = AESGCM.generate_key(bit_length=256)
        try:
            await self.keys.insert_one(
                {"_id": person_id, "wrapped": self._wrap(person_id, key), "created_at": real_now()}
            )
            return key
        except DuplicateKeyError:  # another writer made it first (or it was destroyed): theirs
            return await self._key(person_id, create=False)

    async def _stored_key(self, found: dict[str, Any]) -> bytes:
        person_id = found["_id"]
        if "wrapped" in found:
            return self._unwrap(person_id, bytes(found["wrapped"]))
        # stored in plain by a build before the key-encryption key: wrapped now, the plain copy
        # removed in the same update (unless it was destroyed meanwhile)
        key = bytes(found["key"])
        await self.keys.update_one(
            {"_id": person_id, "key": {"$exists": True}},
            {"$set": {"wrapped": self._wrap(person_id, key)}, "$unset": {"key": ""}},
        )
        return key

    async def seal(
        self, envelope: Envelope, model: type[Event], person_id: str, *, likely_new: bool = False
    ) -> Envelope:
        """The envelope with each personal field encrypted with the person's key.

        ``likely_new``: the person was just created, so their key is made without looking for it
        first (one round-trip instead of two); a key that exists all the same (a retried write,
        a tombstone) is found through the duplicate and used, or refused, exactly as without it.
        """
        fields = model.pii_fields() & set(envelope.data)
        if not fields:
            return envelope
        key = await self._key(person_id, create=True, look_first=not likely_new)
        if key is None:
            raise PermissionError(f"person {person_id} is erased: no new personal data")
        data = dict(envelope.data)
        for field in fields:
            if data[field] is not None:
                context = _context(envelope.type, field, person_id)
                data[field] = {
                    SEALED: encrypt_field(key, data[field], context),
                    "person": person_id,
                }
        return dataclasses.replace(envelope, data=data)

    async def unseal(self, envelope: Envelope) -> Envelope:
        """The envelope with its sealed fields decrypted, or None where the key is destroyed."""
        sealed = {k: v for k, v in envelope.data.items() if _is_sealed(v)}
        if not sealed:
            return envelope
        data = dict(envelope.data)
        keys: dict[str, bytes | None] = {}  # each person's key read once per envelope
        for field, value in sealed.items():
            person = value["person"]
            if person not in keys:
                keys[person] = await self._key(person, create=False)
            data[field] = _open(keys[person], value, _context(envelope.type, field, person))
        return dataclasses.replace(envelope, data=data)

    async def erased(self, person_id: str) -> bool:
        """Whether the person's key was destroyed (erasure): their links are dead everywhere."""
        found = await self.keys.find_one({"_id": person_id}, {"destroyed_at": 1})
        return found is not None and found.get("destroyed_at") is not None

    async def destroy(self, person_id: str) -> None:
        """Erasure: the key is gone for good; a tombstone keeps it from being made again."""
        await self.keys.update_one(
            {"_id": person_id},
            {"$set": {"destroyed_at": real_now()}, "$unset": {"key": "", "wrapped": ""}},
            upsert=True,
        )


def without_sealed(envelope: Envelope) -> Envelope:
    """The envelope as a reader without the vault sees it: each sealed field None, as after
    erasure (personal fields are optional). For readers that need none of them, e.g. reporting's
    rebuild, which projects meeting events whose join link is sealed."""
    data = {k: None if _is_sealed(v) else v for k, v in envelope.data.items()}
    return dataclasses.replace(envelope, data=data)


def _is_sealed(value: Any) -> bool:
    return isinstance(value, Mapping) and SEALED in value and "person" in value


def _open(key: bytes | None, value: Mapping[str, Any], context: str) -> str | None:
    if key is None:
        return None
    try:
        return decrypt_field(key, value[SEALED], context)
    except (InvalidTag, ValueError):
        return None
