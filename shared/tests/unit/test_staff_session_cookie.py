"""The staff session cookie (hoppid.shared.web.session): a signed random session id, nothing
derived from a key; a cookie of the old shape (a key's id and hash) opens nothing."""

import base64
import json
from datetime import UTC, datetime, timedelta

from hoppid.shared.staff_sessions import (
    new_session_id,
    open_id_token,
    seal_id_token,
    session_hash,
)
from hoppid.shared.web.session import _signature, key_mac, read_session, sign_session

SECRET = "s" * 32
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def test_the_cookie_carries_a_signed_session_id_until_it_expires() -> None:
    value = sign_session(SECRET, "session-1", NOW, hours=8)
    assert read_session(SECRET, value, NOW) == "session-1"
    assert read_session(SECRET, value, NOW + timedelta(hours=8)) is None
    assert read_session("t" * 32, value, NOW) is None  # another platform's secret
    assert read_session(SECRET, value[:-1] + ("0" if value[-1] != "0" else "1"), NOW) is None
    assert read_session(SECRET, None, NOW) is None and read_session(SECRET, "x", NOW) is None


def test_a_cookie_of_the_old_shape_opens_nothing() -> None:
    # before: the signed key id and key hash, which intake's events publish
    payload = json.dumps({"k": "abc", "h": "0" * 64, "e": int(NOW.timestamp()) + 3600})
    body = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
    assert read_session(SECRET, f"{body}.{_signature(SECRET, body)}", NOW) is None


def test_session_ids_are_random_and_stored_only_hashed() -> None:
    ids = {new_session_id() for _ in range(100)}
    assert len(ids) == 100 and all(len(i) >= 43 for i in ids)  # 256 bits, url-safe
    one = next(iter(ids))
    assert session_hash(one) != one and len(session_hash(one)) == 64


def test_a_session_keeps_a_mac_of_its_key_never_the_key_hash() -> None:
    mac = key_mac(SECRET, "a" * 64)
    assert mac != "a" * 64
    assert mac != key_mac(SECRET, "b" * 64)  # another key (or another service's admin key)
    assert mac != key_mac("t" * 32, "a" * 64)  # another platform


def test_the_id_token_is_sealed_under_its_session_id() -> None:
    session_id, other = new_session_id(), new_session_id()
    sealed = seal_id_token(session_id, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJpbmdyaWQifQ.sig")
    assert "eyJ" not in sealed and "ingrid" not in sealed
    assert open_id_token(session_id, sealed) == "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJpbmdyaWQifQ.sig"
    assert open_id_token(other, sealed) == ""  # another session's id opens nothing
    assert open_id_token(session_id, sealed[:-4] + "AAAA") == ""  # tampered
    assert open_id_token(session_id, "not base64!") == ""
    assert seal_id_token(session_id, "") == "" and open_id_token(session_id, None) == ""
