"""Test support for scheduling: the service as its own process against the real Kafka and store.

Imported by name (pytest's pythonpath has this folder), so it must stay uniquely named."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer

from hoppid.contracts import intake as intake_events
from hoppid.scheduling.model import is_public_holiday
from hoppid.shared.access import key_id_of, new_api_key
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.testing import (
    ServiceProcess,
    eventually,
    kafka_client,
    kafka_servers,
    mongodb_url,
)

ADMIN_KEY = "scheduling-platform-admin-key-for-tests"
OFFICE = "nordveggen"  # packaged: Rauma, 1539


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@dataclass
class Scheduling:
    service: ServiceProcess
    client: httpx.AsyncClient
    topic: str  # hoppid.scheduling with the test's prefix
    intake_topic: str

    async def key(self, office: str = OFFICE, role: str = "office_admin") -> str:
        """A platform key, issued as intake issues one (its event), once scheduling knows it."""
        key_id, key, key_hash = new_api_key()
        issued = intake_events.ApiKeyIssued(
            key_id=key_id,
            office_id=office,
            role=role,  # type: ignore[arg-type]
            key_hash=key_hash,
            issued_at=datetime.now(UTC),
        )
        await self.publish(issued, key_id, office=office)
        await self.until_status("/v1/offices", key, 200)
        return key

    async def revoke(self, key: str, office: str = OFFICE) -> None:
        key_id = key_id_of(key)
        assert key_id is not None
        revoked = intake_events.ApiKeyRevoked(
            key_id=key_id, office_id=office, revoked_at=datetime.now(UTC)
        )
        await self.publish(revoked, key_id, office=office)
        await self.until_status("/v1/offices", key, 401)

    async def until_status(self, path: str, key: str, status: int) -> None:
        async def answered() -> bool:
            response = await self.client.get(path, headers=bearer(key))
            return response.status_code == status

        await eventually(answered, what=f"{path} answering {status}")

    async def advisor(self, key: str, office: str = OFFICE, **changes: Any) -> dict[str, Any]:
        response = await self.client.post(
            f"/v1/offices/{office}/advisors", json=advisor_form(**changes), headers=bearer(key)
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def publish(self, event: Event, subject: str, office: str = OFFICE) -> Envelope:
        """Put an intake event on intake's topic, exactly as intake's relay would."""
        envelope = event.to_envelope(
            source=intake_events.SOURCE, subject=subject, office=office, municipality="1539"
        )
        await publish(self.intake_topic, envelope)
        return envelope


async def publish(topic: str, envelope: Envelope) -> None:
    producer = AIOKafkaProducer(**kafka_client(), acks="all")
    await producer.start()
    try:
        headers = [(k, v.encode()) for k, v in envelope.headers().items()]
        await producer.send_and_wait(topic, envelope.value(), key=envelope.key(), headers=headers)
    finally:
        await producer.stop()


def advisor_form(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Ola Rådgiver",
        "email": "ola@nordveggen.example",
        "languages": ["nb", "en"],
        "topics": ["grants", "marketing"],
        "weekly_hours": [
            {"weekday": w, "start": "09:00", "end": "15:00", "place": "office"} for w in range(5)
        ],
        "absences": [],
    }
    body.update(changes)
    return body


def working_day(days_ahead: int = 8) -> date:
    """A Monday-Friday that is no Norwegian holiday, at least ``days_ahead`` days from now."""
    day = datetime.now(UTC).date() + timedelta(days=days_ahead)
    while day.weekday() > 4 or is_public_holiday(day):
        day += timedelta(days=1)
    return day


def scheduling_env(topic_prefix: str, unique: str, **extra: str) -> dict[str, str]:
    return {
        "HOPPID_KAFKA_BOOTSTRAP_SERVERS": kafka_servers(),
        "HOPPID_MONGODB_URL": mongodb_url(),
        "HOPPID_TOPIC_PREFIX": topic_prefix,
        "HOPPID_DATABASE": f"test_{unique}",  # the `database` fixture's: dropped after
        "HOPPID_VAULT_DATABASE": f"test_{unique}",  # the same: a test erases as intake does
        "HOPPID_SCHEDULING_ADMIN_KEY": ADMIN_KEY,
        "HOPPID_OUTBOX_RELAY_INTERVAL_SECONDS": "0.2",
        "HOPPID_SCHEDULING_DESK_POLL_SECONDS": "0.5",
        **extra,
    }


async def started(service: ServiceProcess) -> ServiceProcess:
    await service.start()
    async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:

        async def ready() -> bool:
            return (await client.get("/readyz")).status_code == 200

        await eventually(ready, timeout=60, what="scheduling ready")
    return service
