"""The entrepreneurs' signed links: an opaque, expiring token in the path, valid on every service.

intake signs a link when a person sends an inquiry (notifications emails it); any service that
acts for the person (their case in intake, their meetings in scheduling, their message
preferences in notifications) verifies it with the platform's ``HOPPID_LINK_SECRET`` (through
the key derived from it for links: signing_keys.py). The token
carries the person's link epoch: intake moves it on at erasure, which revokes every link it
checks; the other services also refuse a person once they have handled the erasure event.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hoppid.shared.signing_keys import LINKS, derived_key


@dataclass(frozen=True)
class LinkClaims:
    person_id: str
    epoch: int
    expires: datetime


def sign_link(secret: str, person_id: str, epoch: int, now: datetime, days: int) -> str:
    """An opaque token: person id, link epoch (bumped to revoke), expiry, HMAC-SHA256."""
    expires = int((now + timedelta(days=days)).timestamp())
    payload = f"{person_id}.{epoch}.{expires}"
    signature = hmac.new(derived_key(secret, LINKS), payload.encode(), hashlib.sha256).digest()
    raw = payload.encode() + b"." + base64.urlsafe_b64encode(signature).rstrip(b"=")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def verify_link(secret: str, token: str, now: datetime) -> LinkClaims | None:
    """The claims of a valid, unexpired token; None for anything else (never says why)."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        person_id, epoch, expires, signature = raw.split(".")
        payload = f"{person_id}.{epoch}.{expires}"
        expected = hmac.new(derived_key(secret, LINKS), payload.encode(), hashlib.sha256).digest()
        given = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
        if not hmac.compare_digest(expected, given):
            return None
        expiry = datetime.fromtimestamp(int(expires), UTC)
    except (ValueError, UnicodeDecodeError):
        return None
    if expiry <= now:
        return None
    return LinkClaims(person_id, int(epoch), expiry)
