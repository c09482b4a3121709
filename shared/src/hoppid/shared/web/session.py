"""Staff sessions in the browser: a signed cookie holding a random session id.

The cookie holds a session id made at sign-in (``hoppid.shared.staff_sessions``: random, never
derived from a key or anything an event or a database reveals) and an expiry, signed with the key
derived for sessions from the platform's link secret (signing_keys.py), so a session made on one
service works on its siblings of the same host. Each request looks the id up in the sessions store
the services share (signing out deletes it there: the cookie, and any copy of it, is refused by
every service at once) and the key it was made with in the service's key ring (a revoked key ends
its sessions).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta

from hoppid.shared.signing_keys import SESSIONS, derived_key

COOKIE = "hoppid_staff"


def sign_session(secret: str, session_id: str, now: datetime, hours: int) -> str:
    payload = json.dumps(
        {"s": session_id, "e": int((now + timedelta(hours=hours)).timestamp())},
        separators=(",", ":"),
    ).encode()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{_signature(secret, body)}"


def read_session(secret: str, value: str | None, now: datetime) -> str | None:
    """The session id of a valid, unexpired session cookie; None otherwise (a cookie of the
    old shape, which held a key's id and hash, included)."""
    if not value or "." not in value:
        return None
    body, signature = value.rsplit(".", 1)
    if not hmac.compare_digest(_signature(secret, body), signature):
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        if int(claims["e"]) <= now.timestamp() or not isinstance(claims["s"], str):
            return None
        return claims["s"] or None
    except (ValueError, KeyError, TypeError):
        return None


def key_mac(secret: str, key_hash: str) -> str:
    """What a session record keeps of its key's hash: a MAC under the session key, so the
    record matches only that key (not another one under the same id, nor another service's
    admin key) and the store holds nothing to guess a key from."""
    key = derived_key(secret, SESSIONS)
    return hmac.new(key, f"session-key:{key_hash}".encode(), hashlib.sha256).hexdigest()


def _signature(secret: str, body: str) -> str:
    key = derived_key(secret, SESSIONS)
    return hmac.new(key, f"session:{body}".encode(), hashlib.sha256).hexdigest()
