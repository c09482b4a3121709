"""SMS: the gateway interface, and the development gateway that appends to a file.

A real gateway (e.g. a Norwegian SMS provider's HTTP API) implements :class:`SmsGateway` and
raises the SendError subclasses of hoppid.notifications.delivery.rules like the mail channel does.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from hoppid.notifications.delivery.rules import TransientSendError
from hoppid.shared.clock import real_now


@dataclass(frozen=True)
class Sms:
    sender: str  # the office's name, as shown on the phone (max 11 characters at most gateways)
    to: str  # E.164, e.g. +4791234567
    text: str
    delivery_id: str


class SmsGateway(Protocol):
    async def send(self, sms: Sms) -> None:
        """Hand the SMS over; raise a SendError subclass when it is not accepted."""


class FileSmsGateway:
    """Development gateway: one JSON line per SMS appended to a file; nothing leaves the host."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = asyncio.Lock()

    async def send(self, sms: Sms) -> None:
        line = json.dumps(
            {
                "at": real_now().isoformat(),
                "from": sms.sender[:11],
                "to": sms.to,
                "text": sms.text,
                "delivery_id": sms.delivery_id,
            },
            ensure_ascii=False,
        )
        async with self._lock:
            try:
                await asyncio.to_thread(self._append, line)
            except OSError as error:
                raise TransientSendError(f"sms_file_{type(error).__name__}") from error

    def _append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as file:
            file.write(line + "\n")
