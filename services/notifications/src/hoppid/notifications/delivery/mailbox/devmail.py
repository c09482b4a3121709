"""The development mailbox: an SMTP server on loopback that keeps every message it receives.

``python -m hoppid.notifications.delivery.mailbox.devmail`` listens on
HOPPID_NOTIFICATIONS_DEVMAIL_HOST:PORT (default 127.0.0.1:1025) and writes each message as an
.eml file into HOPPID_NOTIFICATIONS_DEVMAIL_DIR (default .stack/devmail), with the envelope
recipients in an ``X-Devmail-Rcpt-To`` header. Nothing is relayed anywhere. The notifications
service shows these files at /v1/dev/mailbox when HOPPID_NOTIFICATIONS_DEV_MAILBOX=true.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import uuid
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP

from hoppid.notifications.delivery.mailbox.reading import ENVELOPE_TO, SUFFIX
from hoppid.notifications.settings import NotificationsSettings
from hoppid.shared.clock import real_now
from hoppid.shared.logs import configure_logging
from hoppid.shared.serve import EXIT_BAD_SETTINGS
from hoppid.shared.settings import SettingsError, load_settings

log = logging.getLogger("hoppid.notifications.devmail")


class KeepingHandler:
    """aiosmtpd handler: every message accepted and kept as a file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        path = await asyncio.to_thread(keep, self.folder, envelope.rcpt_tos, envelope.content)
        log.info("kept %s", path.name)
        return "250 Message accepted for delivery"


def keep(folder: Path, recipients: list[str], content: bytes) -> Path:
    """Write one message atomically (a reader never sees half a file)."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{real_now():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}"
    header = f"{ENVELOPE_TO}: {', '.join(recipients)}\r\n".encode()
    partial = folder / f"{name}.partial"
    partial.write_bytes(header + content)
    final = folder / f"{name}{SUFFIX}"
    os.replace(partial, final)
    return final


async def serve(host: str, port: int, folder: Path) -> None:
    loop = asyncio.get_running_loop()
    handler = KeepingHandler(folder)
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="hoppid-devmail", loop=loop), host, port
    )
    log.info("development mailbox on %s:%d, keeping mail in %s", host, port, folder)
    async with server:
        await server.serve_forever()


def main() -> None:
    try:
        settings = load_settings(NotificationsSettings)
    except SettingsError as error:
        print(f"hoppid devmail cannot start: {error}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_SETTINGS) from None
    configure_logging("devmail", settings.log_level)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(settings.devmail_host, settings.devmail_port, settings.devmail_dir))


if __name__ == "__main__":
    main()
