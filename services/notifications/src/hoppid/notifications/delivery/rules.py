"""Delivery's rules: pure Python, no I/O.

When an SMS may go (quiet hours in Europe/Oslo), how long to wait before trying again, and how
a sending failure is classified.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Literal

from hoppid.notifications.model import OSLO, Channel

MAX_BACKOFF_SECONDS = 6 * 3600.0

# scheduled: waits for its time (a retry, or an SMS after quiet hours); sending: claimed by an
# attempt that has not recorded its result (after a crash it stays so: never sent twice)
Status = Literal["scheduled", "sending", "sent", "failed", "suppressed"]


class SendError(Exception):
    """A channel could not deliver; ``code`` is safe to store (no address, no text)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class TransientSendError(SendError):
    """Not delivered, and it may work later (server unreachable, a 4xx reply)."""


class RejectedError(SendError):
    """Not delivered, and it never will be as it is (a 5xx reply, bad credentials)."""


class UnknownOutcomeError(SendError):
    """The connection broke after the text went out: it may have been delivered. Not retried."""


def in_quiet_hours(at: datetime, quiet_from: int, quiet_until: int) -> bool:
    """Whether ``at`` falls in the quiet hours (Oslo time); they may span midnight."""
    hour = at.astimezone(OSLO).hour
    if quiet_from == quiet_until:
        return False
    if quiet_from > quiet_until:
        return hour >= quiet_from or hour < quiet_until
    return quiet_from <= hour < quiet_until


def sms_sendable_at(now: datetime, quiet_from: int, quiet_until: int) -> datetime:
    """Now, or the end of the quiet hours (the next ``quiet_until`` o'clock in Oslo), in UTC."""
    if not in_quiet_hours(now, quiet_from, quiet_until):
        return now
    local = now.astimezone(OSLO)
    morning = datetime.combine(local.date(), time(quiet_until), tzinfo=OSLO)
    if morning <= local:
        morning = datetime.combine(local.date() + timedelta(days=1), time(quiet_until), OSLO)
    return morning.astimezone(UTC)


def sendable_at(channel: Channel, now: datetime, quiet_from: int, quiet_until: int) -> datetime:
    if channel == "sms":
        return sms_sendable_at(now, quiet_from, quiet_until)
    return now


def retry_delay(attempts_made: int, base_seconds: float) -> float:
    """Wait after the n-th failed attempt: base, 2 x base, 4 x base … at most six hours."""
    return float(min(base_seconds * 2 ** max(attempts_made - 1, 0), MAX_BACKOFF_SECONDS))


def smtp_reply_error(code: int, what: str) -> SendError:
    """A refusal by the server: 4xx means try later, anything else means never."""
    name = f"{what}_{code}"
    return TransientSendError(name) if 400 <= code < 500 else RejectedError(name)
