"""What every part of notifications speaks of: pure Python, no I/O.

:class:`Outgoing` is the one message a reaction has composed and hands to delivery: which
message, to whom, caused by which event; its delivery id names it once per (event, channel,
recipient). Also the languages messages are written in and the Oslo clock they read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")
LANGUAGES = ("nb", "nn", "en")
DEFAULT_LANGUAGE = "nb"

Channel = Literal["email", "sms"]
RecipientKind = Literal["person", "office", "advisor"]
# service: about the person's own case, meetings and data (always sent); non_essential: anything
# else (a newsletter): the person can turn it off per channel (hoppid.notifications.preferences)
MessageClass = Literal["service", "non_essential"]


@dataclass(frozen=True)
class Outgoing:
    """One message to make and send: which, to whom, caused by which event."""

    message: str  # the template name, e.g. inquiry_receipt
    channel: Channel
    recipient_kind: RecipientKind
    recipient_id: str  # person, office or advisor id: never an address
    address: str | None  # email address or phone number; None when unknown or erased
    office_id: str
    language: str
    cause_event_id: str
    message_class: MessageClass  # part of every message's definition: no default
    values: Mapping[str, str] = field(default_factory=dict)
    case_id: str | None = None
    person_id: str | None = None
    calendar: str | None = None  # an iCalendar file to attach (CRLF lines), if any
    calendar_method: str | None = None  # its METHOD: REQUEST or CANCEL
    link_token: str | None = None  # the person's signed link: their preferences link is made of it
    # the erasure confirmation: its address and text go as soon as it is sent or given up
    erase_when_done: bool = False

    @property
    def delivery_id(self) -> str:
        return delivery_id(
            self.cause_event_id, self.channel, self.recipient_kind, self.recipient_id
        )


def delivery_id(cause_event_id: str, channel: str, recipient_kind: str, recipient_id: str) -> str:
    """One delivery per (event, channel, recipient): the same inputs always give the same id."""
    key = f"{cause_event_id}\n{channel}\n{recipient_kind}:{recipient_id}"
    return hashlib.sha256(key.encode()).hexdigest()[:40]


def language_of(value: str | None) -> str:
    return value if value in LANGUAGES else DEFAULT_LANGUAGE
