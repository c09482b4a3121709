"""Staff sessions in the browser: a signed cookie made from a valid API key.

The cookie holds the key's id and hash (never the key) and an expiry, signed with the key
derived for sessions from the platform's link secret (signing_keys.py), so a session made on
one service works on its siblings of the same host. Each request looks the key up in the
service's key ring: a revoked key ends its sessions.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta

from hoppid.shared.signing_keys import SESSIONS, derived_key

COOKIE = "hoppid_staff"


def sign_session(secret: str, key_id: str, key_hash: str, now: datetime, hours: int) -> str:
    payload = json.dumps(
        {"k": key_id, "h": key_hash, "e": int((now + timedelta(hours=hours)).timestamp())},
        separators=(",", ":"),
    ).encode()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{_signature(secret, body)}"


def read_session(secret: str, value: str | None, now: datetime) -> tuple[str, str] | None:
    """(key id, key hash) of a valid, unexpired session cookie; None otherwise."""
    if not value or "." not in value:
        return None
    body, signature = value.rsplit(".", 1)
    if not hmac.compare_digest(_signature(secret, body), signature):
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        if int(claims["e"]) <= now.timestamp():
            return None
        return str(claims["k"]), str(claims["h"])
    except (ValueError, KeyError, TypeError):
        return None


def _signature(secret: str, body: str) -> str:
    key = derived_key(secret, SESSIONS)
    return hmac.new(key, f"session:{body}".encode(), hashlib.sha256).hexdigest()
