"""The development mailbox: `python -m hoppid.notifications.delivery.mailbox.devmail` as its own
process keeps what the service sends, and the service shows it at /v1/dev/mailbox, to a platform
admin, when that is enabled (who else is refused: test_pages.py)."""

import asyncio
import sys
from pathlib import Path
from typing import Any

import httpx
from notifications_support import IntakeEvents, notifications_env, started

from hoppid.shared.testing import ServiceProcess, eventually, free_port

ADMIN_KEY = "test-admin-key-of-the-development-mailbox"
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


async def test_devmail_keeps_the_mail_and_the_service_lists_it(
    topic_prefix: str, unique: str, database: Any, intake_events: IntakeEvents, tmp_path: Path
) -> None:
    port, folder = free_port(), tmp_path / "devmail"
    env = {
        "HOPPID_NOTIFICATIONS_DEVMAIL_PORT": str(port),
        "HOPPID_NOTIFICATIONS_DEVMAIL_DIR": str(folder),
    }
    devmail = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "hoppid.notifications.delivery.mailbox.devmail",
        env={**_environ(), **env},
    )
    service = ServiceProcess(
        "notifications",
        notifications_env(
            topic_prefix,
            unique,
            port,
            HOPPID_NOTIFICATIONS_DEV_MAILBOX="true",
            HOPPID_NOTIFICATIONS_ADMIN_KEY=ADMIN_KEY,
            **env,
        ),
    )
    try:
        await eventually(lambda: _listening(port), what="devmail listening")
        await started(service)
        _, token = await intake_events.inquiry_received("dev@example.no", language="en")
        async with httpx.AsyncClient(base_url=service.url, timeout=10, headers=ADMIN) as client:

            async def listed() -> list[dict[str, Any]]:
                response = await client.get("/v1/dev/mailbox", params={"to": "dev@example.no"})
                return list(response.json())

            found = await eventually(listed, what="the receipt in the dev mailbox")
            assert found[0]["envelope_to"] == ["dev@example.no"]
            one = (await client.get(f"/v1/dev/mailbox/{found[0]['id']}")).json()
            assert one["subject"].startswith("We have received") and token in one["text"]
            assert token in one["html"]
            assert (await client.get("/v1/dev/mailbox/nothing-here")).status_code == 404
            bad = await client.get("/v1/dev/mailbox/..%2F..%2Fetc")
            assert bad.status_code in (404, 422)
            bad_limit = await client.get("/v1/dev/mailbox", params={"limit": 0})
            assert bad_limit.status_code == 422
            assert bad_limit.json()["errors"][0]["field"] == "limit"
        assert len(list(folder.glob("*.eml"))) == 1
    finally:
        await service.stop()
        devmail.terminate()
        await devmail.wait()


async def test_the_dev_mailbox_is_off_by_default(
    topic_prefix: str, unique: str, database: Any
) -> None:
    env = notifications_env(topic_prefix, unique, 1, HOPPID_NOTIFICATIONS_ADMIN_KEY=ADMIN_KEY)
    service = await started(ServiceProcess("notifications", env))
    try:
        async with httpx.AsyncClient(base_url=service.url, timeout=10, headers=ADMIN) as client:
            assert (await client.get("/v1/dev/mailbox")).status_code == 404
    finally:
        await service.stop()


def _environ() -> dict[str, str]:
    import os

    return dict(os.environ)


async def _listening(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    await writer.wait_closed()
    return True
