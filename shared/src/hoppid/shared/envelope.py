"""The CloudEvents 1.0 envelope in Kafka binary content mode (GUIDE.md section 4).

In binary mode the event's attributes travel as Kafka headers prefixed ``ce_`` and the value is
the event data itself, so any CloudEvents SDK can read our topics. Our extensions ``office`` and
``municipality`` make every event carry its tenant.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hoppid.shared.clock import real_now

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"

# header name -> attribute, for the attributes that every hoppid event has
_REQUIRED_HEADERS = ("ce_id", "ce_type", "ce_source", "ce_specversion", "ce_time")


class EnvelopeError(ValueError):
    """A Kafka record is not a readable hoppid CloudEvent (a poison event)."""


@dataclass(frozen=True)
class Envelope:
    """One event: its CloudEvents attributes and its JSON data."""

    type: str
    source: str
    subject: str
    data: Mapping[str, Any]
    office: str = ""
    municipality: str = ""
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=real_now)
    content_type: str = CONTENT_TYPE

    def key(self) -> bytes:
        """The Kafka key: the subject, so one subject's events keep their order."""
        return self.subject.encode()

    def value(self) -> bytes:
        return json.dumps(self.data, ensure_ascii=False, separators=(",", ":")).encode()

    def headers(self) -> dict[str, str]:
        headers = {
            "ce_id": self.id,
            "ce_type": self.type,
            "ce_source": self.source,
            "ce_specversion": SPEC_VERSION,
            "ce_time": _format_time(self.time),
            "ce_subject": self.subject,
            "content-type": self.content_type,
        }
        if self.office:
            headers["ce_office"] = self.office
        if self.municipality:
            headers["ce_municipality"] = self.municipality
        return headers

    @classmethod
    def from_kafka(
        cls, headers: Iterable[tuple[str, bytes | None]], value: bytes | None
    ) -> Envelope:
        """Read a record back; raise :class:`EnvelopeError` saying what is wrong with it."""
        found = _decode_headers(headers)
        missing = [name for name in _REQUIRED_HEADERS if not found.get(name)]
        if missing:
            raise EnvelopeError(f"missing CloudEvents headers: {', '.join(missing)}")
        if found["ce_specversion"] != SPEC_VERSION:
            raise EnvelopeError(f"unsupported ce_specversion {found['ce_specversion']!r}")
        return cls(
            id=found["ce_id"],
            type=found["ce_type"],
            source=found["ce_source"],
            time=_parse_time(found["ce_time"]),
            subject=found.get("ce_subject", ""),
            office=found.get("ce_office", ""),
            municipality=found.get("ce_municipality", ""),
            content_type=found.get("content-type", CONTENT_TYPE),
            data=_parse_data(value),
        )

    def to_document(self) -> dict[str, Any]:
        """A plain dict for storing the envelope (the outbox keeps pending events this way)."""
        return {
            "id": self.id,
            "type": self.type,
            "source": self.source,
            "subject": self.subject,
            "office": self.office,
            "municipality": self.municipality,
            "time": self.time,
            "content_type": self.content_type,
            "data": dict(self.data),
        }

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> Envelope:
        return cls(
            id=document["id"],
            type=document["type"],
            source=document["source"],
            subject=document["subject"],
            office=document.get("office", ""),
            municipality=document.get("municipality", ""),
            time=document["time"],  # aware: every reader's client is tz-aware (hoppid.shared.mongo)
            content_type=document.get("content_type", CONTENT_TYPE),
            data=document["data"],
        )


def _decode_headers(headers: Iterable[tuple[str, bytes | None]]) -> dict[str, str]:
    decoded: dict[str, str] = {}
    for name, raw in headers:
        try:
            decoded[name.lower()] = (raw or b"").decode()
        except UnicodeDecodeError as error:
            raise EnvelopeError(f"header {name!r} is not UTF-8") from error
    return decoded


def _parse_data(value: bytes | None) -> dict[str, Any]:
    try:
        data = json.loads(value or b"")
    except (ValueError, UnicodeDecodeError) as error:
        raise EnvelopeError(f"the value is not valid JSON: {error}") from error
    if not isinstance(data, dict):
        raise EnvelopeError("the value must be a JSON object")
    return data


def _format_time(time: datetime) -> str:
    if time.tzinfo is None:
        raise ValueError("event time must carry a time zone")
    return time.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse_time(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as error:
        raise EnvelopeError(f"ce_time {text!r} is not RFC 3339") from error
    if parsed.tzinfo is None:
        raise EnvelopeError(f"ce_time {text!r} has no time zone")
    return parsed
