"""One platform secret, a separate key for each thing it signs.

``HOPPID_LINK_SECRET`` is the platform's one signing secret. Nothing is signed with it directly:
each purpose (a person's link, a staff session, a form's CSRF token, and the vault's
key-encryption key, which signs nothing but wraps the people's data keys) gets its own key, derived
with HKDF-SHA256 and the purpose as label, so a value signed for one purpose never verifies as
another, and a key found for one purpose opens nothing else.

The secret has no usable default: a service refuses to start without one, with one shorter than
``MINIMUM_LENGTH``, or with a placeholder from the documentation (``check_secret``).
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

LINKS, SESSIONS, CSRF = "person-links", "staff-sessions", "csrf-tokens"
VAULT = "vault-key-encryption"  # wraps the vault's data keys (pii.py), signs nothing
MINIMUM_LENGTH = 32
# values that appeared in this project's examples and defaults: known to everyone
PLACEHOLDERS = frozenset(
    {
        "development-only-link-secret-change-me",
        "set-me",
        "change-me",
        "changeme",
    }
)


@lru_cache(maxsize=32)
def derived_key(secret: str, purpose: str) -> bytes:
    """The 32-byte key of ``purpose`` under the platform secret."""
    hkdf = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"hoppid", info=f"hoppid/{purpose}".encode()
    )
    return hkdf.derive(secret.encode())


# a platform admin or county key, when set (empty turns the role off)
MINIMUM_KEY_LENGTH = 16


def check_admin_key(value: str) -> str:
    """``value`` if it is off (empty) or usable as a platform admin key; ValueError if not."""
    if value and (value.strip().lower() in PLACEHOLDERS or "change-me" in value.lower()):
        raise ValueError("is a placeholder from the documentation; use a random key")
    if value and len(value) < MINIMUM_KEY_LENGTH:
        raise ValueError(f"must be at least {MINIMUM_KEY_LENGTH} characters (or empty: off)")
    return value


def check_secret(value: str, *, required: bool = True) -> str:
    """``value`` if it can be used as a signing secret; ValueError saying why if not."""
    if not value:
        if required:
            raise ValueError("is not set; give every service the same random secret")
        return value
    if value.strip().lower() in PLACEHOLDERS or "change-me" in value.lower():
        raise ValueError("is a placeholder from the documentation; use a random secret")
    if len(value) < MINIMUM_LENGTH:
        raise ValueError(f"must be at least {MINIMUM_LENGTH} characters")
    return value
