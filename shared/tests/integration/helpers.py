"""Small helpers for the shared library's integration tests (real Kafka, real store)."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from aiokafka import AIOKafkaConsumer
from pydantic import Field

from hoppid.shared.events import Event, EventCatalogue
from hoppid.shared.testing import kafka_client


class ThingHappened(Event):
    """A test event whose handler works."""

    event_type: ClassVar[str] = "no.hoppid.test.thing.happened.v1"
    counter: str = Field(description="Which counter to increment")


class ThingBroke(Event):
    """A test event whose handler always fails."""

    event_type: ClassVar[str] = "no.hoppid.test.thing.broke.v1"
    reason: str = Field(description="Why it breaks")


def test_catalogue() -> EventCatalogue:
    catalogue = EventCatalogue()
    catalogue.register(ThingHappened)
    catalogue.register(ThingBroke)
    return catalogue


test_catalogue.__test__ = False  # type: ignore[attr-defined]  # a factory, not a test


async def read_all(topic: str, expected: int, timeout: float = 30.0) -> list[Any]:
    """Read ``expected`` records of a topic from its beginning with a plain aiokafka consumer."""
    consumer = AIOKafkaConsumer(
        topic,
        **kafka_client(),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    await consumer.start()
    records: list[Any] = []
    try:
        async with asyncio.timeout(timeout):
            while len(records) < expected:
                batch = await consumer.getmany(timeout_ms=500)
                for partition_records in batch.values():
                    records.extend(partition_records)
        # anything beyond what was expected would be a duplicate: look once more
        extra = await consumer.getmany(timeout_ms=1000)
        for partition_records in extra.values():
            records.extend(partition_records)
    finally:
        await consumer.stop()
    return records


def header_map(record: Any) -> dict[str, str]:
    return {name: (value or b"").decode() for name, value in record.headers}
