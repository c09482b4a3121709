"""Events notifications publishes on ``hoppid.notifications``: what became of each message.

One delivery is one message on one channel to one recipient, caused by one event. Its subject is
the delivery id (a hash of the causing event id, the channel and the recipient), so a delivery's
events keep their order. No address and no text ever travel: the recipient is a person id, an
office id or (``.v2``) an advisor id, and the reason is a code.

``.v2`` of each status event allows the recipient kind ``advisor`` (staff mail); that was a
breaking change of the ``recipient_kind`` field, so ``.v1`` stays as it was (registered, for
its contract and old records) and notifications publishes ``.v2`` only from now on.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from hoppid.shared.events.base import Event, pii_field
from hoppid.shared.events.catalogue import catalogue

Channel = Literal["email", "sms"]
RecipientKind = Literal["person", "office"]
RecipientKindV2 = Literal["person", "office", "advisor"]

SOURCE = "/hoppid/notifications"


class _DeliveryEvent(Event):
    delivery_id: str = Field(description="The delivery, also the event's subject")
    office_id: str = Field(description="The office on whose behalf the message goes")
    message: str = Field(description="Which message, e.g. inquiry_receipt, new_case_notice")
    channel: Channel = Field(description="email or sms")
    recipient_kind: RecipientKind = Field(description="A person or an office")
    recipient_id: str = Field(description="The person id or the office id (never an address)")
    cause_event_id: str = Field(description="The CloudEvents id of the event that caused it")
    case_id: str | None = Field(None, description="The case the message is about, if any")


@catalogue.register
class MessageSent(_DeliveryEvent):
    """The message was handed to the mail server (or SMS gateway), which accepted it."""

    event_type: ClassVar[str] = "no.hoppid.notifications.message.sent.v1"
    language: str = Field(description="Language of the text sent (nb, nn or en)")
    fallback_language: bool = Field(
        description="True when the text was not translated and went out in bokmål"
    )
    attempts: int = Field(description="How many attempts it took")
    sent_at: datetime = Field(description="When the server accepted it (UTC)")


@catalogue.register
class MessageFailed(_DeliveryEvent):
    """The message could not be delivered; it will not be tried again."""

    event_type: ClassVar[str] = "no.hoppid.notifications.message.failed.v1"
    reason: Literal["retries_spent", "rejected", "unknown_outcome", "template_error"] = Field(
        description="retries_spent (transient errors until the limit), rejected (permanent "
        "refusal), unknown_outcome (the connection broke after the text was sent: not retried, "
        "so never twice), template_error (no text could be made)"
    )
    attempts: int = Field(description="How many attempts were made")
    failed_at: datetime = Field(description="When it was given up (UTC)")


@catalogue.register
class MessageSuppressed(_DeliveryEvent):
    """The message was deliberately not sent."""

    event_type: ClassVar[str] = "no.hoppid.notifications.message.suppressed.v1"
    reason: Literal["no_address", "erased", "opted_out"] = Field(
        description="no_address (none known or readable, e.g. after erasure), erased (the "
        "person was erased before a scheduled message went), opted_out (preferences)"
    )
    suppressed_at: datetime = Field(description="When (UTC)")


# --- .v2: the same, and an advisor may be the recipient ------------------------------------

_RECIPIENT_V2 = Field(description="A person, an office or an advisor (staff)")
_RECIPIENT_ID_V2 = Field(description="The person id, office id or advisor id (never an address)")


@catalogue.register
class MessageSentV2(MessageSent):
    """The message was handed to the mail server (or SMS gateway), which accepted it."""

    event_type: ClassVar[str] = "no.hoppid.notifications.message.sent.v2"
    recipient_kind: RecipientKindV2 = _RECIPIENT_V2  # type: ignore[assignment]
    recipient_id: str = _RECIPIENT_ID_V2


@catalogue.register
class MessageFailedV2(MessageFailed):
    """The message could not be delivered; it will not be tried again."""

    event_type: ClassVar[str] = "no.hoppid.notifications.message.failed.v2"
    recipient_kind: RecipientKindV2 = _RECIPIENT_V2  # type: ignore[assignment]
    recipient_id: str = _RECIPIENT_ID_V2


@catalogue.register
class MessageSuppressedV2(MessageSuppressed):
    """The message was deliberately not sent."""

    event_type: ClassVar[str] = "no.hoppid.notifications.message.suppressed.v2"
    recipient_kind: RecipientKindV2 = _RECIPIENT_V2  # type: ignore[assignment]
    recipient_id: str = _RECIPIENT_ID_V2


# what notifications publishes now; .v1 stays in the catalogue for its contract
@catalogue.register
class NotificationsExportAnswered(Event):
    """notifications's part of a person's export (intake's ``person.export_requested``): the
    contact copy it keeps, the person's message preferences and the messages sent to them
    (kind, channel, address, subject, status and times; never the text). The one event of
    this topic with personal data: the part is sealed with the person's key. Subject: the
    person."""

    event_type: ClassVar[str] = "no.hoppid.notifications.person_export.answered.v1"
    export_id: str = Field(description="The export this answers")
    person_id: str = Field(description="The person, also the subject")
    answered_at: datetime = Field(description="When (UTC)")
    part: str | None = pii_field(
        "What notifications holds about the person, a JSON object; None once they are erased",
        default=None,
    )


PUBLISHED: list[type[Event]] = [
    MessageSentV2,
    MessageFailedV2,
    MessageSuppressedV2,
    NotificationsExportAnswered,
]
