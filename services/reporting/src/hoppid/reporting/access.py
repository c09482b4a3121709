"""Who may read what: the county key (a setting), and keys for one office or for partners.

The idea is intake's (access.py there): keys carry 256 random bits, are shown once and stored as
SHA-256 hashes, and name their id so one lookup finds them. reporting keys start ``rk_`` so a
key of one service is never mistaken for the other's.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Literal

Role = Literal["county", "office", "partner"]
PREFIX = "rk_"


@dataclass(frozen=True)
class Reader:
    key_id: str
    role: Role
    office_id: str | None = None  # only for the office role

    def office_filter(self, asked: str | None) -> str | None:
        """The office a query may cover: an office key sees its own office and nothing else."""
        if self.role != "office":
            return asked
        if asked and asked != self.office_id:
            raise PermissionError("this key reads its own office's figures only")
        return self.office_id

    @property
    def may_drill_down(self) -> bool:
        return self.role in ("county", "office")


def issue() -> tuple[str, str, str]:
    """(key id, the full key shown once, its hash to store)."""
    key_id = secrets.token_hex(6)
    full = f"{PREFIX}{key_id}.{secrets.token_urlsafe(32)}"
    return key_id, full, digest(full)


def digest(full_key: str) -> str:
    # 256 random bits: a plain SHA-256 cannot be brute-forced, no slow hash needed
    return hashlib.sha256(full_key.encode()).hexdigest()


def key_id_of(full_key: str) -> str | None:
    if not full_key.startswith(PREFIX) or "." not in full_key:
        return None
    return full_key[len(PREFIX) :].split(".", 1)[0] or None


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)
