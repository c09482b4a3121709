"""Staff sign-in through OpenID Connect (issue 14): authorization code with PKCE (S256).

The service is the relying party: it sends the browser to the provider's authorization endpoint
with a random state, nonce and PKCE challenge, keeps those (and the verifier) in a short-lived
signed cookie, and on the callback exchanges the code (with the verifier) at the token endpoint
and checks the ID token itself: RS256 signature against the provider's keys, issuer, audience,
expiry and nonce. The provider is only ever reached from the server, with the standard library
(sign-in is rare: no HTTP client dependency for it).

The state cookie also carries where the sign-in returns to (a path, and the service it is on:
``hoppid.shared.web.returns``), signed, so nobody can change it on the way through the provider.
The ID token itself is kept for sign-out: RP-initiated logout (OpenID Connect RP-Initiated
Logout 1.0) sends the browser to the provider's ``end_session_endpoint`` with it as
``id_token_hint``, so the provider's session ends too, when the provider advertises one.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from hoppid.shared.signing_keys import SESSIONS, derived_key

STATE_COOKIE = "hoppid_oidc"
STATE_SECONDS = 600  # the provider's sign-in must be done within ten minutes
TIMEOUT_SECONDS = 10


class OidcError(Exception):
    """The sign-in does not hold (a reason for the log, never shown with its details)."""


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str = ""  # "": the provider offers no RP-initiated logout


@dataclass(frozen=True)
class Attempt:
    """One sign-in on its way through the provider: kept in the signed state cookie, with the
    page it returns to (``next``, a path on ``service``; "" is the service of the callback)."""

    state: str
    nonce: str
    verifier: str
    next: str
    service: str = ""

    @classmethod
    def new(cls, next_path: str, service: str = "") -> Attempt:
        return cls(
            secrets.token_urlsafe(24),
            secrets.token_urlsafe(24),
            secrets.token_urlsafe(48),  # 64 characters: RFC 7636 asks 43 to 128
            next_path,
            service,
        )

    def challenge(self) -> str:
        return _b64(hashlib.sha256(self.verifier.encode()).digest())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_attempt(secret: str, attempt: Attempt, now: datetime) -> str:
    payload = {**attempt.__dict__, "e": int(now.timestamp()) + STATE_SECONDS}
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    return f"{body}.{_mac(secret, body)}"


def read_attempt(secret: str, value: str | None, now: datetime) -> Attempt | None:
    if not value or "." not in value:
        return None
    body, signature = value.rsplit(".", 1)
    if not hmac.compare_digest(_mac(secret, body), signature):
        return None
    try:
        claims = json.loads(_unb64(body))
        if int(claims.pop("e")) <= now.timestamp():
            return None
        found = {k: str(claims[k]) for k in ("state", "nonce", "verifier", "next")}
        return Attempt(**found, service=str(claims.get("service", "")))
    except (ValueError, KeyError, TypeError):
        return None


def _mac(secret: str, body: str) -> str:
    key = derived_key(secret, SESSIONS)
    return hmac.new(key, f"oidc-attempt:{body}".encode(), hashlib.sha256).hexdigest()


def authorization_url(
    provider: Provider, client_id: str, redirect_uri: str, attempt: Attempt
) -> str:
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": "openid email profile",
        "state": attempt.state,
        "nonce": attempt.nonce,
        "code_challenge": attempt.challenge(),
        "code_challenge_method": "S256",
    }
    return f"{provider.authorization_endpoint}?{urllib.parse.urlencode(query)}"


def _http_json(url: str, form: dict[str, str] | None = None) -> Any:
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise OidcError(f"not an http(s) address: {url}")
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, headers={"Accept": "application/json"})  # noqa: S310 (checked above)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
            return json.loads(answer.read())
    except (OSError, ValueError) as error:
        raise OidcError(f"the provider did not answer {url}: {error}") from error


async def discover(issuer: str) -> Provider:
    """The provider's endpoints from its discovery document (its issuer must be ``issuer``)."""
    found = await asyncio.to_thread(
        _http_json, f"{issuer.rstrip('/')}/.well-known/openid-configuration"
    )
    try:
        provider = Provider(
            str(found["issuer"]),
            str(found["authorization_endpoint"]),
            str(found["token_endpoint"]),
            str(found["jwks_uri"]),
            _http_url(found.get("end_session_endpoint")),
        )
    except (KeyError, TypeError, AttributeError) as error:
        raise OidcError("the discovery document lacks an endpoint") from error
    if provider.issuer.rstrip("/") != issuer.rstrip("/"):
        raise OidcError("the discovery document names another issuer")
    return provider


def _http_url(value: object) -> str:
    """An optional endpoint of the discovery document: an http(s) address, else ""."""
    if not isinstance(value, str):
        return ""
    return value if urllib.parse.urlsplit(value).scheme in ("http", "https") else ""


@dataclass(frozen=True)
class SignedIn:
    """A sign-in that holds: the ID token's checked claims and the token itself (kept with the
    session, server-side, for the ``id_token_hint`` of sign-out)."""

    claims: dict[str, Any]
    id_token: str


async def signed_in_claims(
    provider: Provider,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    code: str,
    attempt: Attempt,
    now: datetime,
) -> SignedIn:
    """The code exchanged (with the PKCE verifier) and the ID token checked."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": client_id,
        "code_verifier": attempt.verifier,
    }
    if client_secret:  # a confidential client (client_secret_post); else PKCE alone
        form["client_secret"] = client_secret
    tokens = await asyncio.to_thread(_http_json, provider.token_endpoint, form)
    if not isinstance(tokens, dict) or not isinstance(tokens.get("id_token"), str):
        raise OidcError("the token endpoint gave no ID token")
    keys = await asyncio.to_thread(_http_json, provider.jwks_uri)
    token = tokens["id_token"]
    return SignedIn(
        verify_id_token(token, keys, provider.issuer, client_id, attempt.nonce, now), token
    )


def end_session_url(
    provider: Provider, client_id: str, id_token: str, post_logout_redirect_uri: str, lang: str
) -> str | None:
    """Where the browser goes to end its session at the provider too (RP-Initiated Logout 1.0,
    section 2): the provider's end-session endpoint with the session's ID token as the hint,
    our client id and the page to come back to; None when the provider offers no endpoint or
    the session has no ID token (a key's session)."""
    if not provider.end_session_endpoint or not id_token:
        return None
    query = urllib.parse.urlencode(
        {
            "id_token_hint": id_token,
            "client_id": client_id,
            "post_logout_redirect_uri": post_logout_redirect_uri,
            "ui_locales": lang,
        }
    )
    separator = "&" if urllib.parse.urlsplit(provider.end_session_endpoint).query else "?"
    return f"{provider.end_session_endpoint}{separator}{query}"


def verify_id_token(
    token: str, jwks: Any, issuer: str, client_id: str, nonce: str, now: datetime
) -> dict[str, Any]:
    """The claims of an RS256 ID token signed by one of ``jwks``, for this client and nonce."""
    try:
        header_b64, payload_b64, signature_b64 = token.split(".")
        header = json.loads(_unb64(header_b64))
        claims = json.loads(_unb64(payload_b64))
        signature = _unb64(signature_b64)
    except ValueError as error:
        raise OidcError("the ID token is malformed") from error
    if header.get("alg") != "RS256":
        raise OidcError("the ID token is not signed with RS256")
    signed = f"{header_b64}.{payload_b64}".encode()
    if not any(_verifies(key, signed, signature) for key in _rsa_keys(jwks, header.get("kid"))):
        raise OidcError("the ID token's signature does not verify")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if str(claims.get("iss", "")).rstrip("/") != issuer.rstrip("/"):
        raise OidcError("the ID token is from another issuer")
    if client_id not in audiences:
        raise OidcError("the ID token is for another client")
    if not isinstance(claims.get("exp"), int | float) or claims["exp"] <= now.timestamp():
        raise OidcError("the ID token has expired")
    if not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
        raise OidcError("the ID token's nonce is not this sign-in's")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise OidcError("the ID token names no subject")
    return dict(claims)


def _rsa_keys(jwks: Any, kid: object) -> list[rsa.RSAPublicKey]:
    found = []
    for key in jwks.get("keys", []) if isinstance(jwks, dict) else []:
        if key.get("kty") != "RSA" or (kid is not None and key.get("kid") not in (None, kid)):
            continue
        numbers = rsa.RSAPublicNumbers(
            int.from_bytes(_unb64(key["e"]), "big"), int.from_bytes(_unb64(key["n"]), "big")
        )
        found.append(numbers.public_key())
    return found


def _verifies(key: rsa.RSAPublicKey, signed: bytes, signature: bytes) -> bool:
    try:
        key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True
