"""Staff API keys, one set for the whole platform.

intake issues and revokes keys (office administration) and publishes ``api_key.issued`` and
``api_key.revoked``; every other service keeps its own copy from those events (see
:func:`hoppid.contracts.intake_keys.track_api_keys`), so one key works on every service and a
revocation reaches them all.
Only the SHA-256 of a key is stored or published: a key carries 256 random bits, so its hash
cannot be turned back into it and no slow hash is needed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import Header, HTTPException, Request
from pymongo.asynchronous.database import AsyncDatabase

from hoppid.shared.guards import FailureLimit

if TYPE_CHECKING:
    from hoppid.shared.staff_sessions import StaffSessions

Role = Literal["advisor", "office_admin", "county", "partner", "platform_admin"]
OFFICE_ROLES = ("advisor", "office_admin")
KEY_PREFIX = "hk_"
KEYS = "api_keys"
ALL_OFFICES = "*"
PLATFORM_ADMIN_ID = "platform-admin"


@dataclass(frozen=True)
class Staff:
    """The caller behind a valid key: one office (or all: ``*``) and a role."""

    key_id: str
    office_id: str
    role: Role
    advisor_id: str | None = None  # a staff account's advisor record in scheduling

    def may_administer(self, office_id: str) -> bool:
        return self.role == "platform_admin" or (
            self.role == "office_admin" and self.office_id == office_id
        )

    def sees_office(self, office_id: str) -> bool:
        return self.office_id in (ALL_OFFICES, office_id)


def new_api_key() -> tuple[str, str, str]:
    """(key id, the full key shown once to the caller, its hash to store)."""
    key_id = secrets.token_hex(6)
    full = f"{KEY_PREFIX}{key_id}.{secrets.token_urlsafe(32)}"
    return key_id, full, hash_key(full)


def hash_key(full_key: str) -> str:
    return hashlib.sha256(full_key.encode()).hexdigest()


def key_id_of(full_key: str) -> str | None:
    if not full_key.startswith(KEY_PREFIX) or "." not in full_key:
        return None
    return full_key[len(KEY_PREFIX) :].split(".", 1)[0] or None


def _unauthorised(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


class KeyRing:
    """The keys this service accepts, in its own ``api_keys`` collection."""

    def __init__(
        self,
        database: AsyncDatabase[dict[str, Any]],
        admin_key: str = "",
        failures: FailureLimit | None = None,
        sessions: StaffSessions | None = None,
    ) -> None:
        self.keys = database[KEYS]
        # the browser sessions of these keys, in the store every service shares (None: no
        # sign-in in the browser)
        self.sessions = sessions
        self._admin_hash = hash_key(admin_key) if admin_key else ""
        # wrong keys per client address: guessing is throttled (429), on the API and sign-in
        self.failures = failures or FailureLimit(20)

    async def remember(
        self, key_id: str, office_id: str, role: str, key_hash: str, issued_at: datetime
    ) -> None:
        """Learn an issued key; a key revoked before (events replayed) stays revoked."""
        await self.keys.update_one(
            {"_id": key_id},
            {
                "$set": {
                    "office_id": office_id,
                    "role": role,
                    "hash": key_hash,
                    "issued_at": issued_at,
                },
                "$setOnInsert": {"revoked_at": None},
            },
            upsert=True,
        )

    async def forget(self, key_id: str, revoked_at: datetime) -> None:
        await self.keys.update_one(
            {"_id": key_id}, {"$set": {"revoked_at": revoked_at}}, upsert=True
        )

    async def authenticate(self, authorization: str | None) -> Staff:
        if not authorization or not authorization.startswith("Bearer "):
            raise _unauthorised("an API key is required: Authorization: Bearer <key>")
        key = authorization.removeprefix("Bearer ").strip()
        given = hash_key(key)
        if self._admin_hash and hmac.compare_digest(given, self._admin_hash):
            return Staff(PLATFORM_ADMIN_ID, ALL_OFFICES, "platform_admin")
        found = await self.by_hash(key_id_of(key) or "", given)
        if found is None:
            raise _unauthorised("unknown or revoked API key")
        return found

    async def authenticate_request(self, request: Request, authorization: str | None) -> Staff:
        """``authenticate``, throttled: a client address with too many wrong keys of late is
        refused (429) before its key is looked at. No key at all is not counted."""
        client = self.failures.client_address(request)
        self.failures.check(client)
        try:
            return await self.authenticate(authorization)
        except HTTPException:
            if authorization:
                self.failures.failed(client)
            raise

    async def by_hash(self, key_id: str, key_hash: str) -> Staff | None:
        """The staff behind a key known by its id and hash; None for an unknown, revoked or
        wrong key."""
        return await self.matching(key_id, lambda stored: hmac.compare_digest(stored, key_hash))

    async def matching(self, key_id: str, matches: Callable[[str], bool]) -> Staff | None:
        """The staff behind the key of this id whose stored hash ``matches`` (a browser
        session checks a MAC of it); None for an unknown, revoked or unmatched key."""
        if key_id == PLATFORM_ADMIN_ID:
            if self._admin_hash and matches(self._admin_hash):
                return Staff(PLATFORM_ADMIN_ID, ALL_OFFICES, "platform_admin")
            return None
        stored = await self.keys.find_one({"_id": key_id}) if key_id else None
        if (
            stored is None
            or stored.get("revoked_at")
            or not stored.get("hash")
            or not matches(stored["hash"])
        ):
            return None
        return Staff(stored["_id"], stored["office_id"], stored["role"])

    def dependency(self) -> Callable[..., Awaitable[Staff]]:
        """A FastAPI dependency giving the calling :class:`Staff` (401 without a good key)."""

        async def staff(
            request: Request, authorization: Annotated[str | None, Header()] = None
        ) -> Staff:
            return await self.authenticate_request(request, authorization)

        return staff
