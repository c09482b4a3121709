"""Who may do what: staff API keys (stored hashed) and the entrepreneurs' signed links."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

Role = Literal["advisor", "office_admin", "platform_admin"]
KEY_PREFIX = "hk_"


@dataclass(frozen=True)
class Staff:
    """The caller behind a valid key: one office (or all, for the platform admin) and a role."""

    key_id: str
    office_id: str  # "*" for the platform admin
    role: Role

    def may_administer(self, office_id: str) -> bool:
        return self.role == "platform_admin" or (
            self.role == "office_admin" and self.office_id == office_id
        )


def new_api_key() -> tuple[str, str, str]:
    """(key id, the full key shown once to the caller, its hash to store)."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    full = f"{KEY_PREFIX}{key_id}.{secret}"
    return key_id, full, hash_key(full)


def hash_key(full_key: str) -> str:
    # the key has 256 random bits: a plain SHA-256 cannot be brute-forced, no slow hash needed
    return hashlib.sha256(full_key.encode()).hexdigest()


def key_id_of(full_key: str) -> str | None:
    if not full_key.startswith(KEY_PREFIX) or "." not in full_key:
        return None
    return full_key[len(KEY_PREFIX) :].split(".", 1)[0] or None


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)


@dataclass(frozen=True)
class LinkClaims:
    person_id: str
    epoch: int
    expires: datetime


def sign_link(secret: str, person_id: str, epoch: int, now: datetime, days: int) -> str:
    """An opaque token: person id, link epoch (bumped to revoke), expiry, HMAC-SHA256."""
    expires = int((now + timedelta(days=days)).timestamp())
    payload = f"{person_id}.{epoch}.{expires}"
    signature = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
    raw = payload.encode() + b"." + base64.urlsafe_b64encode(signature).rstrip(b"=")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def verify_link(secret: str, token: str, now: datetime) -> LinkClaims | None:
    """The claims of a valid, unexpired token; None for anything else (never says why)."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        person_id, epoch, expires, signature = raw.split(".")
        payload = f"{person_id}.{epoch}.{expires}"
        expected = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
        given = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
        if not hmac.compare_digest(expected, given):
            return None
        expiry = datetime.fromtimestamp(int(expires), UTC)
    except (ValueError, UnicodeDecodeError):
        return None
    if expiry <= now:
        return None
    return LinkClaims(person_id, int(epoch), expiry)
