"""Who may do what in scheduling: office keys (stored as hashes) and the platform admin key.

The same idea as intake's keys (scheduling cannot read intake's store): an office admin or the
platform admin issues keys of one office with a role; the key is shown once. The key carries
256 random bits, so a plain SHA-256 of it cannot be brute-forced and is all that is stored.
Calendar feed tokens are such secrets too: only their hash is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Literal

Role = Literal["advisor", "office_admin", "platform_admin"]
PREFIX = "sk_"  # a scheduling key; intake's start with hk_
ALL_OFFICES = "*"


@dataclass(frozen=True)
class Staff:
    key_id: str
    office_id: str  # ALL_OFFICES for the platform admin
    role: Role

    def works_at(self, office_id: str) -> bool:
        return self.office_id in (office_id, ALL_OFFICES)

    def administers(self, office_id: str) -> bool:
        return self.role == "platform_admin" or (
            self.role == "office_admin" and self.office_id == office_id
        )


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)


def new_key() -> tuple[str, str]:
    """(key id, full key): the key is ``sk_<id>.<secret>``; store ``digest(full key)``."""
    key_id = secrets.token_hex(6)
    return key_id, f"{PREFIX}{key_id}.{secrets.token_urlsafe(32)}"


def key_id_in(key: str) -> str | None:
    head, dot, _ = key.partition(".")
    if not dot or not head.startswith(PREFIX) or len(head) == len(PREFIX):
        return None
    return head[len(PREFIX) :]


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)
