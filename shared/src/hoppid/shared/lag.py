"""Consumer lag: how far each of this service's consumer groups is behind its topics.

Kafka keeps the groups' committed offsets and the topics' end offsets; the difference, summed
per (group, topic), is what an operator alerts on ("reporting is 5,000 events behind"). Each
service measures its own groups, so the figure is on its own /metrics with bounded labels.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from prometheus_client import Gauge

from hoppid.shared.kafka import KafkaSecurity, client_options

log = logging.getLogger("hoppid.lag")


async def measure(
    bootstrap_servers: str,
    groups: Mapping[str, Sequence[str]],
    security: KafkaSecurity | None = None,
) -> dict[tuple[str, str], int]:
    """{(group, topic): events not yet committed by the group} for the given groups."""
    admin = AIOKafkaAdminClient(**client_options(bootstrap_servers, security))
    ends = AIOKafkaConsumer(**client_options(bootstrap_servers, security, enable_auto_commit=False))
    await admin.start()
    await ends.start()
    try:
        lag: dict[tuple[str, str], int] = {}
        described = await admin.describe_topics(sorted({t for ts in groups.values() for t in ts}))
        partitions_of = {
            d["topic"]: [TopicPartition(d["topic"], p["partition"]) for p in d["partitions"]]
            for d in described
        }
        for group, topics in groups.items():
            partitions = [tp for topic in topics for tp in partitions_of.get(topic, [])]
            if not partitions:
                continue
            end = await ends.end_offsets(partitions)
            committed = await admin.list_consumer_group_offsets(group, partitions=partitions)
            for tp in partitions:
                done = committed.get(tp)
                position = done.offset if done is not None and done.offset >= 0 else 0
                key = (group, tp.topic)
                lag[key] = lag.get(key, 0) + max(end[tp] - position, 0)
        return lag
    finally:
        await _stop_quietly(ends)
        with contextlib.suppress(Exception):
            await admin.close()


async def watch(
    bootstrap_servers: str,
    groups: Mapping[str, Sequence[str]],
    gauge: Gauge,
    service: str,
    interval_seconds: float = 15.0,
    security: KafkaSecurity | None = None,
) -> None:
    """Refresh ``gauge`` (labels service, group, topic) until cancelled."""
    while True:
        try:
            for (group, topic), behind in (
                await measure(bootstrap_servers, groups, security)
            ).items():
                gauge.labels(service, group, topic).set(behind)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning("could not measure consumer lag: %s", error)
        await asyncio.sleep(interval_seconds)


async def _stop_quietly(consumer: AIOKafkaConsumer) -> None:
    """Stop a consumer; aiokafka 0.14 may raise CancelledError when a consumer stops right
    after it started (its own routine was cancelled). That one is not ours to pass on: only a
    cancellation of this task is."""
    task = asyncio.current_task()
    try:
        await consumer.stop()
    except asyncio.CancelledError:
        if task is not None and task.cancelling():
            raise
    except Exception as error:
        log.debug("consumer stop failed: %s", error)
