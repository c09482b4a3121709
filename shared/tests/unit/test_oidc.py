"""The relying party's checks of OpenID Connect (hoppid.shared.oidc): the PKCE challenge, the
signed state cookie, and every way an ID token can fail to be this sign-in's. Tokens are signed
here with a key of the test's own (the journey tests/journeys/test_staff_oidc.py runs the real
provider)."""

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from hoppid.shared.oidc import (
    Attempt,
    OidcError,
    Provider,
    authorization_url,
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
