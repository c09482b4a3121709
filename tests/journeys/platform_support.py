"""The whole platform for journey tests: the four services as their own processes against the
real Kafka and store, and a real SMTP server on loopback that keeps every message.

Imported by name (this folder is on pytest's pythonpath), so it must stay uniquely named."""

from __future__ import annotations

import asyncio
import email
import email.policy
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import httpx
from aiosmtpd.controller import Controller

from hoppid.shared.testing import ServiceProcess, eventually, free_port, kafka_servers, mongodb_url

SERVICES = ("intake", "scheduling", "notifications", "reporting")
ADMIN_KEY = "journey-platform-admin-key"
COUNTY_KEY = "journey-county-key"


class Mailbox:
    """aiosmtpd handler: keeps each message as parsed email."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


@dataclass
class Platform:
    prefix: str
    unique: str
    mailbox: Mailbox
    smtp_port: int
    services: dict[str, ServiceProcess] = field(default_factory=dict)

    def env(self, name: str) -> dict[str, str]:
        return {
            "HOPPID_KAFKA_BOOTSTRAP_SERVERS": kafka_servers(),
            "HOPPID_MONGODB_URL": mongodb_url(),
            "HOPPID_TOPIC_PREFIX": self.prefix,
            "HOPPID_DATABASE": f"test_{self.unique}_{name}",  # each service its own database
            "HOPPID_VAULT_DATABASE": f"test_{self.unique}_vault",
            "HOPPID_OUTBOX_RELAY_INTERVAL_SECONDS": "0.3",
            "HOPPID_INTAKE_ADMIN_KEY": ADMIN_KEY,
            "HOPPID_SCHEDULING_ADMIN_KEY": ADMIN_KEY,
            "HOPPID_REPORTING_COUNTY_KEY": COUNTY_KEY,
            "HOPPID_SCHEDULING_REMINDER_POLL_SECONDS": "0.5",
            "HOPPID_NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
            "HOPPID_NOTIFICATIONS_SMTP_PORT": str(self.smtp_port),
            "HOPPID_NOTIFICATIONS_POLL_INTERVAL_SECONDS": "0.5",
        }

    def databases(self) -> list[str]:
        return [f"test_{self.unique}_{name}" for name in (*SERVICES, "vault")]

    async def start(self, name: str) -> ServiceProcess:
        service = self.services.get(name) or ServiceProcess(name, self.env(name))
        self.services[name] = service
        return await started_and_ready(service)

    def url(self, name: str) -> str:
        return self.services[name].url

    def metrics_url(self, name: str) -> str:
        """The service's /metrics: on its metrics port, not the public one (issue 13)."""
        return self.services[name].metrics_url

    async def stop(self) -> None:
        await asyncio.gather(*(s.stop() for s in self.services.values()))

    async def stop_and_drop(self, mongo: Any) -> None:
        """Stop the services, then drop the test's databases (every platform fixture's end)."""
        await self.stop()
        for name in self.databases():
            await mongo.drop_database(name)


async def started_and_ready(service: ServiceProcess) -> ServiceProcess:
    """Start the process and wait until its /readyz says so."""
    await service.start()

    async def ready() -> bool:
        async with httpx.AsyncClient(timeout=5) as client:
            return (await client.get(f"{service.url}/readyz")).status_code == 200

    await eventually(ready, timeout=90, what=f"{service.name} ready")
    return service


def start_smtp(mailbox: Mailbox) -> tuple[Controller, int]:
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, port


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def put_account(intake: str, sub: str, account: dict[str, Any]) -> None:
    """The office admin sets up (or changes) a staff account in Nordveggen on intake's API."""
    async with httpx.AsyncClient(timeout=10) as api:
        made = await api.put(
            f"{intake}/v1/offices/nordveggen/accounts/{sub}",
            headers=bearer(ADMIN_KEY),
            json=account,
        )
        assert made.status_code == 200, made.text


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def attachment(message: EmailMessage, content_type: str) -> str | None:
    for part in message.iter_attachments():
        if part.get_content_type() == content_type:
            content = part.get_content()
            return content.decode() if isinstance(content, bytes) else str(content)
    return None
