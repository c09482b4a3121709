"""Reading the development mailbox: the .eml files the development SMTP server keeps.

Who reads it: a platform admin only (``readable_by``). The mailbox is one for the whole local
platform and holds every person's link; a kept message carries no office to sort it by, so an
office's key or sign-in is refused (403) rather than shown other offices' people.
"""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from hoppid.shared.access import Staff

ID_PATTERN = r"^[0-9A-Za-z_-]{1,100}$"  # a file name's stem; no dots, so no path tricks
SUFFIX = ".eml"
ENVELOPE_TO = "X-Devmail-Rcpt-To"
WHO_READS = (
    "the development mailbox holds every office's mail with no office to sort it by: only a "
    "platform admin reads it"
)


def readable_by(staff: Staff) -> bool:
    return staff.role == "platform_admin"


def message_ids(folder: Path) -> list[str]:
    """Newest first (the names start with the UTC time they arrived)."""
    if not folder.is_dir():
        return []
    return sorted((path.stem for path in folder.glob(f"*{SUFFIX}")), reverse=True)


def summary(folder: Path, message_id: str) -> dict[str, Any] | None:
    message = _parse(folder / f"{message_id}{SUFFIX}", headers_only=True)
    return None if message is None else {"id": message_id, **_headers(message)}


class Summaries:
    """Each message's summary, read from its file once: a kept message never changes (the
    development SMTP server writes it whole, then renames it), so a listing parses only the
    messages new since the last one. Without this, every ``?to=`` listing parsed every file,
    and make demo (which looks up each person's link that way) slowed as the mailbox grew."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._known: dict[str, dict[str, Any]] = {}

    def newest_first(self, to: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        found = []
        ids = message_ids(self.folder)
        for message_id in ids:
            item = self._known.get(message_id)
            if item is None:
                item = summary(self.folder, message_id)
                if item is None:
                    continue  # deleted meanwhile
                self._known[message_id] = item
            if to is None or to.lower() in item["to"].lower():
                found.append(item)
            if len(found) == limit:
                break
        if len(self._known) > 2 * len(ids) + 100:  # messages deleted (a reset): forget them
            present = set(ids)
            self._known = {k: v for k, v in self._known.items() if k in present}
        return found


def full(folder: Path, message_id: str) -> dict[str, Any] | None:
    message = _parse(folder / f"{message_id}{SUFFIX}", headers_only=False)
    if message is None:
        return None
    return {
        "id": message_id,
        **_headers(message),
        "text": _part(message, "plain"),
        "html": _part(message, "html"),
    }


def _parse(path: Path, *, headers_only: bool) -> EmailMessage | None:
    try:
        with path.open("rb") as file:
            parsed = BytesParser(policy=policy.default).parse(file, headersonly=headers_only)
    except FileNotFoundError:
        return None
    return parsed  # an EmailMessage: policy.default's message_factory


def _headers(message: EmailMessage) -> dict[str, Any]:
    return {
        "from": str(message.get("From", "")),
        "to": str(message.get("To", "")),
        "envelope_to": str(message.get(ENVELOPE_TO, "")).split(", "),
        "reply_to": str(message.get("Reply-To", "")),
        "subject": str(message.get("Subject", "")),
        "date": str(message.get("Date", "")),
        "language": str(message.get("Content-Language", "")),
        "message_id": str(message.get("Message-ID", "")),
    }


def _part(message: EmailMessage, subtype: str) -> str | None:
    body = message.get_body(preferencelist=(subtype,))
    if not isinstance(body, EmailMessage):
        return None
    content = body.get_content()
    return content if isinstance(content, str) else None
