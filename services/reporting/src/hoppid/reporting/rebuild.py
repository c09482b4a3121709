"""Rebuild every read model from the topics' beginning into a fresh version, then switch over.

    python -m hoppid.reporting.rebuild

1. A new version N+1 of the collections is made (indexes first).
2. The topics are replayed from their beginning to their end *as they are now* into memory
   (memory_store.py: the same documents, no store round-trip per event), with a plain aiokafka
   consumer without a group: no offset commits (one commit per event costs ~6 ms,
   docs/benchmarks.md); the projections are idempotent, so nothing needs remembering. The
   finished documents are then inserted into N+1 in batches. The live service goes on
   projecting into version N meanwhile.
3. Switch-over: a lease in ``projection_state`` makes the live projections wait (they retry;
   nothing is committed), a grace period lets a handler already running finish, and the
   rebuild catches up to the topics' new end, through the Mongo store on N+1 (a few events).
   Only then does the pointer move to N+1 and the lease end: from here the live service writes
   N+1, re-applying what it had not committed (once-only, so harmless). So exactly one process
   writes N+1 at any time (FerretDB loses concurrent updates from two processes,
   docs/decisions/0002).
4. Versions older than N are dropped; N stays for comparison until the next rebuild.

A rebuild that fails releases the lease; one that dies lets it run out
(``HOPPID_REPORTING_REBUILD_LEASE_SECONDS``). The partner facts are never replayed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import resource
import sys
from dataclasses import asdict, dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from hoppid.reporting.consumers import PROJECTED_TOPICS
from hoppid.reporting.handlers import PROJECTED_TYPES, project
from hoppid.reporting.memory_store import MemoryProjectionStore
from hoppid.reporting.settings import ReportingSettings
from hoppid.reporting.store import Projecting, ProjectionStore, Versions
from hoppid.shared.consumer import TRANSIENT_ERRORS
from hoppid.shared.envelope import Envelope, EnvelopeError
from hoppid.shared.events import catalogue
from hoppid.shared.kafka import Topics
from hoppid.shared.logs import configure_logging
from hoppid.shared.mongo import DocumentLocks, make_mongo_client
from hoppid.shared.settings import SettingsError, load_settings

log = logging.getLogger("hoppid.reporting.rebuild")
BATCH = 500


@dataclass
class Outcome:
    version: int = 0
    previous: int = 0
    events: int = 0  # replayed: projected, or of a type no projection handles
    skipped: int = 0  # poison (it went to the DLQ live too) or another office's
    documents: int = 0  # written from memory into the new version
    peak_rss_mib: float = 0.0  # the rebuild process's, replay in memory included


class Replay:
    """Reads assigned partitions up to given offsets and projects every event into one store."""

    def __init__(
        self, consumer: AIOKafkaConsumer, store: Projecting, offices: frozenset[str]
    ) -> None:
        self.consumer = consumer
        self.store = store
        self.offices = offices
        self.outcome = Outcome(version=store.version)

    async def until(self, ends: dict[TopicPartition, int], between_batches: Any = None) -> None:
        while await self._behind(ends):
            batches = await self.consumer.getmany(timeout_ms=500, max_records=BATCH)
            for records in batches.values():
                for record in records:
                    await self._one(record)
            if between_batches is not None:
                await between_batches()

    async def _behind(self, ends: dict[TopicPartition, int]) -> bool:
        for partition, end in ends.items():
            if await self.consumer.position(partition) < end:
                return True
        return False

    async def _one(self, record: Any) -> None:
        try:
            envelope = Envelope.from_kafka(record.headers, record.value)
        except EnvelopeError:
            self.outcome.skipped += 1
            return
        if self.offices and envelope.office and envelope.office not in self.offices:
            self.outcome.skipped += 1
            return
        if envelope.type not in PROJECTED_TYPES:
            # nothing projects it: not parsed, as live (where sealed personal fields, which
            # only the live consumer unseals, would fail the model and look like poison)
            self.outcome.events += 1
            return
        try:
            event = catalogue.parse(envelope)
        except EnvelopeError:
            self.outcome.skipped += 1
            return
        try:
            await project(self.store, event, envelope)
        except Exception as error:  # the live consumer dead-letters these: skip them alike
            if _transient(error):
                raise
            log.error("event %s cannot be projected, skipped: %s", envelope.id, error)
            self.outcome.skipped += 1
            return
        self.outcome.events += 1


def _peak_rss_mib() -> float:
    """This process's peak resident memory (Linux reports ru_maxrss in KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _transient(error: Exception) -> bool:
    return isinstance(error, TRANSIENT_ERRORS)


async def rebuild(settings: ReportingSettings) -> Outcome:
    mongo = make_mongo_client(settings.mongodb_url)
    database = mongo[settings.database_of("reporting")]
    versions = Versions(database, DocumentLocks())
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        version = await versions.begin_build()
        try:
            return await _build(settings, versions, consumer, version)
        except BaseException:
            await versions.release()
            raise
    finally:
        await consumer.stop()
        await mongo.close()


async def _build(
    settings: ReportingSettings, versions: Versions, consumer: AIOKafkaConsumer, version: int
) -> Outcome:
    partitions = await _partitions(settings)
    memory = MemoryProjectionStore(version)
    replay = Replay(consumer, memory, settings.offices)
    if partitions:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        await replay.until(await consumer.end_offsets(partitions))
    log.info("version %d replayed (%d events); writing it", version, replay.outcome.events)
    replay.outcome.documents = await memory.flush(versions.db)
    replay.outcome.peak_rss_mib = _peak_rss_mib()
    del memory  # the catch-up is small: it goes through the store on the written version
    replay.store = ProjectionStore(versions.db, version, versions.locks)
    log.info("version %d written (%d documents); switching over", version, replay.outcome.documents)

    async def renew() -> None:
        await versions.hold_switch(settings.rebuild_lease_seconds)

    await renew()
    await asyncio.sleep(settings.rebuild_grace_seconds)
    if partitions:
        await replay.until(await consumer.end_offsets(partitions), renew)
    replay.outcome.previous = await versions.switch(version)
    await versions.drop_older_than(replay.outcome.previous)
    return replay.outcome


async def _partitions(settings: ReportingSettings) -> list[TopicPartition]:
    """Every partition of the projected topics that exist (a consumer's own metadata only
    covers topics it subscribed to, so the admin client describes them)."""
    topics = [Topics(settings.topic_prefix).domain(name) for name in PROJECTED_TOPICS]
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    return [
        TopicPartition(topic["topic"], partition["partition"])
        for topic in described
        if topic.get("error_code") == 0
        for partition in sorted(topic["partitions"], key=lambda p: p["partition"])
    ]


def main() -> None:
    try:
        settings = load_settings(ReportingSettings)
    except SettingsError as error:
        print(f"hoppid-reporting rebuild cannot start: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging("reporting-rebuild", settings.log_level)
    outcome = asyncio.run(rebuild(settings))
    print(json.dumps({"rebuilt": asdict(outcome)}))


if __name__ == "__main__":
    main()
