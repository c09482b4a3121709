"""A digital meeting's own join link, made when it is booked (or moved to digital).

The office chooses in its settings: a provider pattern (``join_link_pattern``, e.g.
``https://meet.jit.si/hoppid-{office}-{token}``) gives every meeting its own room, ``{token}``
a random, unguessable part (120 bits, lower-case letters and digits, which every video provider
accepts in a room name) and ``{office}`` the office's id; else the office's one static room
(``video_link``), as before; else no link. The link is kept on the booking, so a moved meeting
keeps it, and dropped when the meeting is cancelled.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
KNOWN = {"office", "token"}


def new_token() -> str:
    return base64.b32encode(secrets.token_bytes(15)).decode().lower()


def check_pattern(pattern: str) -> str:
    """The pattern as given, or ValueError naming what is wrong (the form names the field)."""
    names = PLACEHOLDER.findall(pattern)
    unknown = sorted(set(names) - KNOWN)
    if unknown:
        raise ValueError(f"unknown placeholder {{{unknown[0]}}}: use {{office}} and {{token}}")
    if "token" not in names:
        raise ValueError("the pattern needs {token}, the part that makes each meeting's room")
    if "{" in PLACEHOLDER.sub("", pattern) or "}" in PLACEHOLDER.sub("", pattern):
        raise ValueError("a brace that is not part of {office} or {token}")
    return pattern


def make(office: Mapping[str, Any], mode: str, token: Callable[[], str] = new_token) -> str | None:
    """The join link of a meeting booked now at ``office`` in ``mode`` (None: not digital, or
    the office has no link)."""
    if mode != "digital":
        return None
    settings = office.get("settings") or {}
    pattern = settings.get("join_link_pattern")
    if pattern:
        values = {"office": quote(str(office["_id"]), safe=""), "token": token()}
        return PLACEHOLDER.sub(lambda found: values[found.group(1)], str(pattern))
    room = settings.get("video_link")
    return str(room) if room else None
