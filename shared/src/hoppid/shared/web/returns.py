"""Where a staff sign-in returns to: the page that was asked for, only ever a path on the service
that asked for it (never an open redirect to another site).

A staff page opened without a session answers with ``/pages/sign-in?next=<path and query>``.
Signed in with a key, the form posts to the same service and goes back to ``next``. Signed in
through OpenID Connect, the round trip runs through intake (which maps the provider's subject
to an account) and the provider, so the sign-in page also names its own service (one of the
four, ``service``), and intake's callback goes back to that service's configured public address
followed by the path: the host always comes from configuration, never from the request.
"""

from __future__ import annotations

import urllib.parse

SERVICES = ("intake", "scheduling", "notifications", "reporting")
DEFAULT = "/pages/staff"
MAX_LENGTH = 2000  # kept in the signed state cookie, which must stay under 4 kB


def safe_next(value: object) -> str:
    """``value`` if it is a path on this service, else the staff start page.

    Refused: not a string, too long, not starting with exactly one ``/`` (``//host`` is another
    site to a browser), any backslash (browsers read ``/\\host`` as ``//host``), any character
    outside printable ASCII (CR/LF would split the Location header; browsers drop tabs and
    newlines inside a URL, so ``/<tab>/host`` becomes ``//host``; a path and query reach here
    percent-encoded), and anything a URL parser reads a scheme or host from.
    """
    if not isinstance(value, str) or not value or len(value) > MAX_LENGTH:
        return DEFAULT
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return DEFAULT
    if any(not 0x21 <= ord(char) <= 0x7E for char in value):
        return DEFAULT
    parts = urllib.parse.urlsplit(value)
    if parts.scheme or parts.netloc:
        return DEFAULT
    return value


def safe_service(value: object) -> str:
    """One of the four services by name, else "" (the service that answers)."""
    return value if isinstance(value, str) and value in SERVICES else ""


def asked_for(path: str, query: str) -> str:
    """The page a request asked for, as ``next``: its path percent-encoded (Starlette hands it
    over decoded) and its query as the browser sent it."""
    quoted = urllib.parse.quote(path, safe="/-._~!$&'()*+,;=:@")
    return safe_next(f"{quoted}?{query}" if query else quoted)


def sign_in_path(next_path: str | None) -> str:
    """The sign-in page that returns to ``next_path`` (``None``: to the staff start page)."""
    if next_path is None:
        return "/pages/sign-in"
    return "/pages/sign-in?" + urllib.parse.urlencode({"next": next_path}, safe="/")
