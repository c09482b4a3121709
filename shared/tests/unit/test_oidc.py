"""The relying party's checks of OpenID Connect (hoppid.shared.oidc): the PKCE challenge, the
signed state cookie, and every way an ID token can fail to be this sign-in's. Tokens are signed
here with a key of the test's own (the journey tests/journeys/test_staff_oidc.py runs the real
provider)."""

import base64
import hashlib
import json
import urllib.parse
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from hoppid.shared.oidc import (
    Attempt,
    OidcError,
    Provider,
    _mac,
    authorization_url,
    end_session_url,
    read_attempt,
    sign_attempt,
    verify_id_token,
)

SECRET = "s" * 32
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
ISSUER, CLIENT = "http://127.0.0.1:9400", "hoppid"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def jwks(key: rsa.RSAPrivateKey) -> dict[str, Any]:
    numbers = key.public_key().public_numbers()
    n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
    return {"keys": [{"kty": "RSA", "kid": "k1", "n": b64(n), "e": b64(b"\x01\x00\x01")}]}


def token(key: rsa.RSAPrivateKey = KEY, alg: str = "RS256", **changes: Any) -> str:
    claims = {
        "iss": ISSUER,
        "aud": CLIENT,
        "sub": "ingrid",
        "nonce": "n-1",
        "exp": int((NOW + timedelta(minutes=5)).timestamp()),
        **changes,
    }
    header = b64(json.dumps({"alg": alg, "kid": "k1"}).encode())
    body = b64(json.dumps(claims).encode())
    signature = key.sign(f"{header}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{header}.{body}.{b64(signature)}"


def test_a_good_id_token_gives_its_claims() -> None:
    claims = verify_id_token(token(), jwks(KEY), ISSUER, CLIENT, "n-1", NOW)
    assert claims["sub"] == "ingrid"


@pytest.mark.parametrize(
    "bad",
    [
        token(OTHER_KEY),  # signed by someone else
        token(alg="HS256"),
        token(iss="http://evil.example"),
        token(aud="another-client"),
        token(nonce="n-2"),  # another sign-in's token, replayed
        token(exp=int(NOW.timestamp())),
        token(sub=""),
        "not.a-token",
    ],
)
def test_an_id_token_that_is_not_this_sign_in_s_is_refused(bad: str) -> None:
    with pytest.raises(OidcError):
        verify_id_token(bad, jwks(KEY), ISSUER, CLIENT, "n-1", NOW)


def test_a_tampered_token_is_refused() -> None:
    header, body, signature = token().split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    forged = b64(json.dumps({**claims, "sub": "platform-admin"}).encode())
    with pytest.raises(OidcError):
        verify_id_token(f"{header}.{forged}.{signature}", jwks(KEY), ISSUER, CLIENT, "n-1", NOW)


def test_the_authorization_request_carries_an_s256_challenge_of_the_kept_verifier() -> None:
    attempt = Attempt.new("/pages/staff/cases")
    provider = Provider(ISSUER, f"{ISSUER}/authorize", f"{ISSUER}/token", f"{ISSUER}/jwks")
    url = authorization_url(provider, CLIENT, "http://127.0.0.1:8001/cb", attempt)
    expected = b64(hashlib.sha256(attempt.verifier.encode()).digest())
    assert f"code_challenge={expected}" in url and "code_challenge_method=S256" in url
    assert f"state={attempt.state}" in url and f"nonce={attempt.nonce}" in url
    assert 43 <= len(attempt.verifier) <= 128


def test_the_state_cookie_is_signed_and_short_lived() -> None:
    attempt = Attempt.new("/pages/staff/cases")
    value = sign_attempt(SECRET, attempt, NOW)
    assert read_attempt(SECRET, value, NOW) == attempt
    assert read_attempt(SECRET, value, NOW + timedelta(minutes=11)) is None
    assert read_attempt("t" * 32, value, NOW) is None
    assert read_attempt(SECRET, value.replace(".", "x.", 1), NOW) is None


def test_the_state_cookie_carries_the_page_and_service_to_return_to() -> None:
    attempt = Attempt.new("/pages/staff/calendar?week=2026-W49", "scheduling")
    value = sign_attempt(SECRET, attempt, NOW)
    back = read_attempt(SECRET, value, NOW)
    assert back is not None
    assert (back.next, back.service) == ("/pages/staff/calendar?week=2026-W49", "scheduling")
    # a state cookie made before the service was kept: back to the callback's own service
    old = {k: v for k, v in attempt.__dict__.items() if k != "service"}
    body = b64(json.dumps({**old, "e": int(NOW.timestamp()) + 600}).encode())
    assert (read_attempt(SECRET, f"{body}.{_mac(SECRET, body)}", NOW) or attempt).service == ""


END = f"{ISSUER}/oauth2/end_session"


def test_sign_out_at_the_provider_carries_the_hint_and_the_way_back() -> None:
    provider = Provider(ISSUER, f"{ISSUER}/a", f"{ISSUER}/t", f"{ISSUER}/j", END)
    back = "http://127.0.0.1:8002/pages/signed-out"
    url = end_session_url(provider, CLIENT, token(), back, "nn")
    assert url is not None
    parts = urllib.parse.urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == END
    assert urllib.parse.parse_qs(parts.query) == {
        "id_token_hint": [token()],
        "client_id": [CLIENT],
        "post_logout_redirect_uri": [back],
        "ui_locales": ["nn"],
    }
    # an endpoint with a query of its own keeps it
    tenant = Provider(ISSUER, "a", "t", "j", f"{END}?tenant=mr")
    kept = end_session_url(tenant, CLIENT, "tok", back, "nb")
    assert kept is not None and kept.startswith(f"{END}?tenant=mr&id_token_hint=tok&")


def test_no_sign_out_at_the_provider_without_an_endpoint_or_a_token() -> None:
    without = Provider(ISSUER, f"{ISSUER}/a", f"{ISSUER}/t", f"{ISSUER}/j")
    assert end_session_url(without, CLIENT, token(), "http://x/pages/signed-out", "nb") is None
    provider = Provider(ISSUER, f"{ISSUER}/a", f"{ISSUER}/t", f"{ISSUER}/j", END)
    assert end_session_url(provider, CLIENT, "", "http://x/pages/signed-out", "nb") is None
