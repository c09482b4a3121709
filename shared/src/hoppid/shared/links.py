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

# What a link may open. The link mailed with a receipt opens everything the person may do
# (their case, export and erasure in intake, their meetings in scheduling, their preferences);
# the link in every email's footer opens only their message preferences, so a forwarded email
# cannot be used to read or erase the person's data.
MANAGE = "manage"
PREFERENCES = "preferences"
PURPOSES = (MANAGE, PREFERENCES)


@dataclass(frozen=True)
class LinkClaims:
    person_id: str
    epoch: int
    expires: datetime
    purpose: str = MANAGE

    def allows(self, purpose: str) -> bool:
        return self.purpose == MANAGE or self.purpose == purpose


def _token(secret: str, person_id: str, epoch: int, expires: int, purpose: str) -> str:
    payload = f"{person_id}.{epoch}.{expires}.{purpose}"
    signature = hmac.new(derived_key(secret, LINKS), payload.encode(), hashlib.sha256).digest()
    raw = payload.encode() + b"." + base64.urlsafe_b64encode(signature).rstrip(b"=")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def sign_link(
    secret: str, person_id: str, epoch: int, now: datetime, days: int, purpose: str = MANAGE
) -> str:
    """An opaque token: person id, link epoch (bumped to revoke), expiry, purpose, HMAC-SHA256."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown link purpose {purpose!r}")
    expires = int((now + timedelta(days=days)).timestamp())
    return _token(secret, person_id, epoch, expires, purpose)


def narrowed_link(secret: str, token: str, now: datetime, purpose: str) -> str | None:
    """The same person's link for ``purpose`` only, expiring with ``token``; None when
    ``token`` is not valid or does not allow that purpose."""
    claims = verify_link(secret, token, now, purpose)
    if claims is None:
        return None
    expires = int(claims.expires.timestamp())
    return _token(secret, claims.person_id, claims.epoch, expires, purpose)


def verify_link(secret: str, token: str, now: datetime, purpose: str = MANAGE) -> LinkClaims | None:
    """The claims of a valid, unexpired token that allows ``purpose``; None for anything else
    (never says why). Tokens signed before links had a purpose open everything (``MANAGE``)."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        *payload_parts, signature = raw.split(".")
        if len(payload_parts) == 3:
            person_id, epoch, expires = payload_parts
            given_purpose = MANAGE
        elif len(payload_parts) == 4 and payload_parts[3] in PURPOSES:
            person_id, epoch, expires, given_purpose = payload_parts
        else:
            return None
        payload = ".".join(payload_parts)
        expected = hmac.new(derived_key(secret, LINKS), payload.encode(), hashlib.sha256).digest()
        given = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
        if not hmac.compare_digest(expected, given):
            return None
        expiry = datetime.fromtimestamp(int(expires), UTC)
    except (ValueError, UnicodeDecodeError):
        return None
    claims = LinkClaims(person_id, int(epoch), expiry, given_purpose)
    if expiry <= now or not claims.allows(purpose):
        return None
    return claims
