"""Test support for intake: the service as its own process against the real Kafka and store.

Imported by name (pytest's pythonpath has this folder), so it must stay uniquely named."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from hoppid.shared.testing import (
    ServiceProcess,
    eventually,
    kafka_servers,
    mongodb_url,
    public_inquiry,
)

ADMIN_KEY = "platform-admin-key-for-tests-only"


@dataclass
class Intake:
    service: ServiceProcess
    client: httpx.AsyncClient
    topic: str
    database: str

    async def key(self, office: str, role: str = "advisor") -> str:
        response = await self.client.post(
            f"/v1/offices/{office}/keys",
            json={"role": role, "label": "test"},
            headers={"Authorization": f"Bearer {ADMIN_KEY}"},
        )
        assert response.status_code == 201, response.text
        return str(response.json()["key"])


def inquiry(n: int = 1, **changes: Any) -> dict[str, Any]:
    body = public_inquiry(
        email=f"kari{n}@example.no",
        phone="912 34 567",
        idea=f"Guided climbs of Romsdalseggen, plan {n}",
        needs=["guidance", "course"],
    )
    return {**body, **changes}


def intake_env(topic_prefix: str, unique: str, **extra: str) -> dict[str, str]:
    return {
        "HOPPID_KAFKA_BOOTSTRAP_SERVERS": kafka_servers(),
        "HOPPID_MONGODB_URL": mongodb_url(),
        "HOPPID_TOPIC_PREFIX": topic_prefix,
        "HOPPID_DATABASE": f"test_{unique}",  # the `database` fixture's: dropped after
        "HOPPID_VAULT_DATABASE": f"test_{unique}",  # the person keys, in the same throwaway db
        "HOPPID_INTAKE_ADMIN_KEY": ADMIN_KEY,
        "HOPPID_OUTBOX_RELAY_INTERVAL_SECONDS": "0.2",
        **extra,
    }


async def started(service: ServiceProcess) -> ServiceProcess:
    await service.start()
    async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:

        async def ready() -> bool:
            return (await client.get("/readyz")).status_code == 200

        await eventually(ready, timeout=60, what="intake ready")
    return service


@asynccontextmanager
async def running_intake(
    topic_prefix: str, unique: str, database: Any, port: int | None = None, **env: str
) -> AsyncIterator[Intake]:
    """intake as its own process (on ``port``, or a free one) with ``env`` over intake_env's,
    ready, and a client of it; stopped after: what the tests' ``intake`` fixtures are made of."""
    service = await started(ServiceProcess("intake", intake_env(topic_prefix, unique, **env), port))
    try:
        async with httpx.AsyncClient(base_url=service.url, timeout=30) as client:
            yield Intake(service, client, f"{topic_prefix}hoppid.intake", database.name)
    finally:
        await service.stop()
