"""CSRF protection for HTML forms: a random token in a cookie, its HMAC in each form.

A cross-site page can make the browser send our cookie but cannot read it, so it cannot put
the matching value in the form. The cookie is SameSite=Lax as a second line.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from hoppid.shared.signing_keys import CSRF, derived_key

COOKIE = "hoppid_csrf"
FIELD = "csrf"


class CsrfError(Exception):
    """A form post without a valid CSRF token (answered 403)."""


def new_cookie_value() -> str:
    return secrets.token_urlsafe(24)


def form_token(secret: str, cookie_value: str) -> str:
    key = derived_key(secret, CSRF)
    return hmac.new(key, f"csrf:{cookie_value}".encode(), hashlib.sha256).hexdigest()


def check(secret: str, cookie_value: str | None, given: str | None) -> None:
    if not cookie_value or not given:
        raise CsrfError("the form has expired; reload the page and send it again")
    if not hmac.compare_digest(form_token(secret, cookie_value), given):
        raise CsrfError("the form has expired; reload the page and send it again")
