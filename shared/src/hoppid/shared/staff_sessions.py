"""Staff sign-ins in the browser, kept server-side in a store the four services share.

A session is a random id (256 bits, ``secrets``) made at sign-in: nothing an event or a
database holds lets anyone derive it. The browser keeps it in a signed cookie
(``hoppid.shared.web.session``); the store keeps only its SHA-256, so a copy of the store yields
no cookie. The record names the API
key that signed in (its id, and a MAC of its hash under the session key, so a key replaced under
the same id, or another service's admin key, does not match) with the session's expiry and when it
was last used.

Every service reads the same collection (``staff_sessions`` in ``HOPPID_SESSIONS_DATABASE``, by
default the vault's database: platform infrastructure like Kafka, decision 0004), so signing out
on one service deletes the record and every sibling refuses the cookie on its next request: at once,
no event to wait for. A session also ends when its key is revoked (each service's key ring), when
it expires, or when it has not been used for the idle time.

A session signed in through OpenID Connect also keeps the provider's ID token, for the
``id_token_hint`` of sign-out at the provider. It names the person (email, name), so it is kept
sealed (AES-GCM) under a key derived from the session id, which only the cookie holds: a copy of
the store yields neither a cookie nor the token. Signing out takes it out as it deletes the record.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from hoppid.shared.mongo import IndexSpec, apply_indexes
from hoppid.shared.settings import ServiceSettings

COLLECTION = "staff_sessions"
# made by every service at start (hoppid.shared.service), in the shared sessions database
INDEXES = [
    IndexSpec(COLLECTION, ["key_id"]),  # an account's or key's sessions (end_all_of)
    IndexSpec(COLLECTION, ["expires_at"]),  # the expired, cleared at each sign-in
]
# last use is written at most this often: a page view is not a write each time
TOUCH_EVERY = timedelta(minutes=1)


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _token_key(session_id: str) -> bytes:
    # the id is 256 random bits: one HMAC is a sound key derivation from it
    return hmac.new(session_id.encode(), b"hoppid-session-id-token", hashlib.sha256).digest()


def seal_id_token(session_id: str, id_token: str) -> str:
    """The ID token sealed under the session's own key, bound to its record ("" for none)."""
    if not id_token:
        return ""
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_token_key(session_id)).encrypt(
        nonce, id_token.encode(), session_hash(session_id).encode()
    )
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def open_id_token(session_id: str, sealed: object) -> str:
    """The ID token of a record, "" when it has none or it does not open with this id."""
    if not isinstance(sealed, str) or not sealed:
        return ""
    try:
        raw = base64.urlsafe_b64decode(sealed)
        opened = AESGCM(_token_key(session_id)).decrypt(
            raw[:12], raw[12:], session_hash(session_id).encode()
        )
    except (ValueError, InvalidTag):
        return ""
    return opened.decode()


@dataclass(frozen=True)
class SessionRecord:
    """Who a live session is: the key it was made with (its id and the MAC of its hash), or,
    signed in through OpenID Connect, the staff account as the signing-in service mapped it
    (``account:<subject>``, its office, role and advisor record: no key to check)."""

    key_id: str
    key_mac: str = ""
    office_id: str = ""
    role: str = ""
    advisor_id: str | None = None

    @property
    def is_account(self) -> bool:
        return not self.key_mac


class StaffSessions:
    """The platform's staff sessions: ``start`` at sign-in, ``find`` per request, ``end``."""

    def __init__(self, database: AsyncDatabase[dict[str, Any]], idle: timedelta) -> None:
        self.sessions = database[COLLECTION]
        self.idle = idle
        self._indexed = False

    @classmethod
    def of(
        cls, client: AsyncMongoClient[dict[str, Any]], settings: ServiceSettings
    ) -> StaffSessions:
        return cls(
            client[settings.sessions_database_name()],
            timedelta(minutes=settings.staff_session_idle_minutes),
        )

    async def ensure_indexes(self) -> None:
        await apply_indexes(self.sessions.database, INDEXES)
        self._indexed = True

    async def start(
        self,
        session_id: str,
        record: SessionRecord,
        now: datetime,
        expires_at: datetime,
        id_token: str = "",
    ) -> None:
        if not self._indexed:  # also where no service started first (a test's own app)
            await self.ensure_indexes()
        # sessions past their expiry are useless: cleared as others sign in
        await self.sessions.delete_many({"expires_at": {"$lte": now}})
        await self.sessions.insert_one(
            {
                "_id": session_hash(session_id),
                "key_id": record.key_id,
                "key_mac": record.key_mac,
                "office_id": record.office_id,
                "role": record.role,
                "advisor_id": record.advisor_id,
                "started_at": now,
                "expires_at": expires_at,
                "last_used_at": now,
                "id_token_sealed": seal_id_token(session_id, id_token),
            }
        )

    async def find(self, session_id: str, now: datetime) -> SessionRecord | None:
        """The live session of this id: not ended, not expired, used within the idle time."""
        found = await self.sessions.find_one({"_id": session_hash(session_id)})
        if found is None:
            return None
        last_used = found["last_used_at"]  # aware: the store is read with tz_aware=True
        if found["expires_at"] <= now or last_used + self.idle <= now:
            return None
        if now - last_used >= TOUCH_EVERY:
            await self.sessions.update_one({"_id": found["_id"]}, {"$set": {"last_used_at": now}})
        return SessionRecord(
            str(found["key_id"]),
            str(found["key_mac"]),
            str(found.get("office_id") or ""),
            str(found.get("role") or ""),
            found.get("advisor_id"),
        )

    async def end(self, session_id: str) -> str:
        """Sign-out: the session is gone for every service at once. Its provider's ID token
        comes back ("" for a key's session, or one already ended) for the provider's sign-out."""
        ended = await self.sessions.find_one_and_delete({"_id": session_hash(session_id)})
        return open_id_token(session_id, ended.get("id_token_sealed")) if ended else ""

    async def end_all_of(self, key_id: str) -> int:
        """Every session of a key or account (``account:<subject>``): an account removed or
        changed signs in again, everywhere at once."""
        return (await self.sessions.delete_many({"key_id": key_id})).deleted_count
