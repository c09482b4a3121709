"""Rebuild every read model from the topics' beginning into a fresh version, then switch over.

    python -m hoppid.reporting.rebuild [--fresh]

1. A new version N+1 of the collections is made (indexes first).
2. The topics are replayed from their beginning to their end *as they are now*, with a plain
   aiokafka consumer without a group (no offset commits: one per event costs ~6 ms,
   docs/benchmarks.md), in about the records' time order across partitions (InTimeOrder).
   The replay streams in *windows* (rebuild/store.py): the facts the window's events need
   are read back from N+1 in one query per collection, the events are projected in memory,
   and the window is written to N+1 in bulk and forgotten, every
   ``HOPPID_REPORTING_REBUILD_FLUSH_EVENTS`` events or sooner when it holds
   ``HOPPID_REPORTING_REBUILD_MAX_HELD`` items. A window is written (a few bulk inserts in
   flight at once) while the next one is read and projected, so the store's work and this
   process's overlap; windows are written one after another, in order, so at most two are in
   memory. After each write the offsets reached per
   partition are recorded with the version (the *checkpoint*, in ``projection_state``): a
   rebuild that stops (killed, failed, the machine restarted) continues from there when run
   again, unless ``--fresh``. The live service goes on projecting into version N meanwhile.
3. Switch-over: a lease in ``projection_state`` makes the live projections wait (they retry;
   nothing is committed), a grace period lets a handler already running finish, and the
   rebuild catches up to the topics' new end, through the Mongo store on N+1 (a few events).
   Only then does the pointer move to N+1 and the lease end: from here the live service writes
   N+1, re-applying what it had not committed (once-only, so harmless). So exactly one process
   writes N+1 at any time (FerretDB loses concurrent updates from two processes,
   docs/decisions/0002). Before the switch-over, the retention pass (the root's retention.py)
   runs on N+1 by the service's clock: the replay brought back the records of cases past
   their period, which the live version no longer holds; the figures stay as they are, and the
   catch-up ignores late events of the cases it dropped, as the live service does.
4. Versions older than N are dropped; N stays for comparison until the next rebuild.

A rebuild that fails releases the lease; one that dies lets it run out
(``HOPPID_REPORTING_REBUILD_LEASE_SECONDS``). The partner facts are never replayed.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import json
import logging
import resource
import sys
import time
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from itertools import islice
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from hoppid.reporting import retention
from hoppid.reporting.consumers import PROJECTED_TOPICS
from hoppid.reporting.projection.handlers import PROJECTED_TYPES, facts_of, project
from hoppid.reporting.projection.store import Projecting, ProjectionStore
from hoppid.reporting.rebuild.store import RebuildStore, Sealed
from hoppid.reporting.settings import ReportingSettings
from hoppid.reporting.store import Versions
from hoppid.shared.clock import Clock, real_now
from hoppid.shared.consumer import transient
from hoppid.shared.envelope import Envelope, EnvelopeError
from hoppid.shared.events import Event, catalogue
from hoppid.shared.kafka import KafkaSecurity, Topics, client_options
from hoppid.shared.logs import configure_logging
from hoppid.shared.mongo import make_mongo_client
from hoppid.shared.pii import without_sealed
from hoppid.shared.settings import SettingsError, load_settings

log = logging.getLogger("hoppid.reporting.rebuild")
BATCH = 500
Offsets = dict[TopicPartition, int]


@dataclass
class Outcome:
    version: int = 0
    previous: int = 0
    events: int = 0  # replayed: projected, or of a type no projection handles
    skipped: int = 0  # poison (it went to the DLQ live too) or another office's
    documents: int = 0  # written into the new version by the replay (its catch-up aside)
    replaced: int = 0  # stored documents a later window changed, written again whole
    peak_rss_mib: float = 0.0  # the rebuild process's
    peak_held: int = 0  # the most documents, claims and contributions held in memory at once
    flushes: int = 0  # windows written by this run
    resumed: bool = False  # continued a stopped rebuild from its checkpoint
    # wall-clock seconds of the replay's phases: Kafka reads, envelopes parsed and validated,
    # facts read back, events projected in memory, windows written (with their checkpoints)
    seconds: dict[str, float] = field(default_factory=dict)

    def timed(self, phase: str, since: float) -> float:
        """Add the time since ``since`` to ``phase``; now, for the next phase."""
        now = time.perf_counter()
        self.seconds[phase] = round(self.seconds.get(phase, 0.0) + now - since, 3)
        return now


@dataclass
class Item:
    """One record read: its event when some projection handles it."""

    partition: TopicPartition
    offset: int
    envelope: Envelope | None = None
    event: Event | None = None
    skipped: bool = False


class Replay:
    """Reads assigned partitions and projects every event into one store."""

    def __init__(
        self, consumer: AIOKafkaConsumer, store: Projecting, offices: frozenset[str]
    ) -> None:
        self.consumer = consumer
        self.store = store
        self.offices = offices
        self.outcome = Outcome(version=store.version)

    async def until(self, ends: Offsets, between_batches: Any = None) -> None:
        """Event by event up to ``ends`` (the catch-up, through the Mongo store)."""
        while await self.behind(ends):
            batches = await self.consumer.getmany(timeout_ms=500, max_records=BATCH)
            for records in batches.values():
                for record in records:
                    await self.apply(self.read(record))
            if between_batches is not None:
                await between_batches()

    async def behind(self, ends: Offsets) -> bool:
        for partition, end in ends.items():
            if await self.consumer.position(partition) < end:
                return True
        return False

    def read(self, record: Any) -> Item:
        item = Item(TopicPartition(record.topic, record.partition), record.offset)
        try:
            envelope = Envelope.from_kafka(record.headers, record.value)
        except EnvelopeError:
            item.skipped = True
            return item
        if self.offices and envelope.office and envelope.office not in self.offices:
            item.skipped = True
            return item
        item.envelope = envelope
        if envelope.type not in PROJECTED_TYPES:
            # nothing projects it: not parsed, as live (where sealed personal fields, which
            # only the live consumer unseals, would fail the model and look like poison)
            return item
        try:
            # a projected event's sealed fields (a meeting's join link) are not projected:
            # read as None, as the live consumer reads them once the person is erased
            item.event = catalogue.parse(without_sealed(envelope))
        except EnvelopeError:
            item.skipped = True
        return item

    async def apply(self, item: Item) -> None:
        if item.skipped:
            self.outcome.skipped += 1
            return
        if item.event is None or item.envelope is None:
            self.outcome.events += 1
            return
        try:
            await project(self.store, item.event, item.envelope)
        except Exception as error:  # the live consumer dead-letters these: skip them alike
            if _transient(error):
                raise
            log.error("event %s cannot be projected, skipped: %s", item.envelope.id, error)
            self.outcome.skipped += 1
            return
        self.outcome.events += 1


class Windows:
    """The replay in windows into a RebuildStore, each written and checkpointed."""

    def __init__(
        self,
        replay: Replay,
        store: RebuildStore,
        versions: Versions,
        settings: ReportingSettings,
        reached: Offsets,
    ) -> None:
        self.replay = replay
        self.store = store
        self.versions = versions
        self.size = settings.rebuild_flush_events
        self.reached = reached  # the next offset to project, per partition
        self.saved: dict[str, Any] = {}  # the last checkpoint written
        self.verify_until: Offsets | None = None
        self.writing: asyncio.Task[None] | None = None  # the window being written

    async def run(self, ends: Offsets) -> None:
        reader, outcome = InTimeOrder(self.replay.consumer, ends), self.replay.outcome
        try:
            while await reader.more():
                started = time.perf_counter()
                records = await reader.take(self.size)
                started = outcome.timed("read", started)
                window = [self.replay.read(record) for record in records]
                outcome.timed("parse", started)
                await self._project(window)
                await self._seal()
            await self._written()
        finally:
            if self.writing is not None:  # failed: the write under way is not waited for
                self.writing.cancel()

    async def _project(self, items: list[Item]) -> None:
        outcome = self.replay.outcome
        started = time.perf_counter()
        await self.store.prefetch(_facts(items))
        started = outcome.timed("prefetch", started)
        for n, item in enumerate(items):
            if self.store.full() and self.store.held:
                outcome.timed("project", started)
                await self._seal()
                started = time.perf_counter()
                await self.store.prefetch(_facts(items[n:]))
                started = outcome.timed("prefetch", started)
            await self.replay.apply(item)
            self.reached[item.partition] = item.offset + 1
        outcome.timed("project", started)

    async def _seal(self) -> None:
        """Take the window out of the store and write it while the next one is read and
        projected (the store's work and this process's overlap); the write before must have
        ended first, so windows are written and checkpointed one after another, in order."""
        outcome = self.replay.outcome
        sealed = self.store.seal()
        reached, counts = dict(self.reached), (outcome.events, outcome.skipped)
        started = time.perf_counter()
        await self._written()
        outcome.timed("wait", started)
        self.writing = asyncio.create_task(self._write(sealed, reached, counts))

    async def _written(self) -> None:
        """Wait for the window being written, if any (its failure is raised here)."""
        if self.writing is not None:
            writing, self.writing = self.writing, None
            await writing

    async def _write(self, sealed: Sealed, reached: Offsets, counts: tuple[int, int]) -> None:
        """Write a sealed window, then record how far the replay had got with it."""
        outcome = self.replay.outcome
        # first what this write covers: a stop during it makes the next run check claims' owners
        # (up to the furthest write that may have been stopped, this one or an earlier run's)
        covers = _furthest(reached, self.verify_until or {})
        intent = {**self.saved, "flushing": _encode(covers)}
        began = time.perf_counter()
        await self.versions.save_checkpoint(self.store.version, intent)
        written = await self.store.write(sealed)
        log.info(
            "window written: %d documents inserted, %d replaced in %.1f s; %d events replayed",
            written.inserted,
            written.replaced,
            time.perf_counter() - began,
            sum(counts),
        )
        outcome.documents += written.inserted
        outcome.replaced += written.replaced
        outcome.flushes += 1
        outcome.peak_held = self.store.peak_held
        if self.verify_until is not None and _passed(reached, self.verify_until):
            self.store.verify_owners = False
            self.verify_until = None
        self.saved = {
            "offsets": _encode(reached),
            "events": counts[0],
            "skipped": counts[1],
            "documents": outcome.documents,
        }
        await self.versions.save_checkpoint(self.store.version, self.saved)
        outcome.timed("write", began)

    def resume(self, checkpoint: Mapping[str, Any]) -> None:
        """Continue from a stopped build's checkpoint."""
        outcome = self.replay.outcome
        outcome.resumed = True
        outcome.events = int(checkpoint.get("events", 0))
        outcome.skipped = int(checkpoint.get("skipped", 0))
        outcome.documents = int(checkpoint.get("documents", 0))
        self.reached.update(_decode(checkpoint.get("offsets", [])))
        self.saved = {
            "offsets": checkpoint.get("offsets", []),  # none: stopped in its first write
            "events": outcome.events,
            "skipped": outcome.skipped,
            "documents": outcome.documents,
        }
        if checkpoint.get("flushing"):  # it stopped while writing: its claims may be stored
            self.store.verify_owners = True
            self.verify_until = _decode(checkpoint["flushing"])


class InTimeOrder:
    """Reads partitions up to their ends in about the order of the records' timestamps.

    The partition whose latest record read is the oldest is read next, and ``take`` gives the
    records up to the time every partition still being read has reached, merged by timestamp.
    So one case's events, spread over partitions (intake's keyed by case, scheduling's by
    booking), come in one window as they came live, instead of drifting windows apart as the
    partitions with fewer events per case run ahead; each partition keeps its own order.
    """

    def __init__(self, consumer: AIOKafkaConsumer, ends: Offsets) -> None:
        self.consumer = consumer
        self.ends = ends
        self.buffers: dict[TopicPartition, deque[Any]] = {p: deque() for p in ends}
        self.latest: dict[TopicPartition, int] = {}  # timestamp of the last record read
        self.ready: dict[TopicPartition, int] = dict.fromkeys(ends, 0)  # leading, up to horizon

    async def _open(self) -> list[TopicPartition]:
        return [p for p, end in self.ends.items() if await self.consumer.position(p) < end]

    async def more(self) -> bool:
        return any(self.buffers.values()) or bool(await self._open())

    async def take(self, size: int) -> list[Any]:
        while sum(self.ready.values()) < size and (reading := await self._open()):
            horizon = min(self.latest.get(p, -1) for p in reading)
            laggards = [p for p in reading if self.latest.get(p, -1) == horizon]
            batches = await self.consumer.getmany(*laggards, timeout_ms=500, max_records=BATCH)
            for partition, records in batches.items():
                self.buffers[partition].extend(records)
                if records:
                    self.latest[partition] = max(
                        self.latest.get(partition, -1), records[-1].timestamp
                    )
            self._advance(await self._open())
        return self._pop(size)

    def _advance(self, reading: list[TopicPartition]) -> None:
        """Count the leading records of each buffer up to the horizon (all when none is read)."""
        horizon = min((self.latest.get(p, -1) for p in reading), default=None)
        for partition, buffer in self.buffers.items():
            n = self.ready[partition]
            while n < len(buffer) and (horizon is None or buffer[n].timestamp <= horizon):
                n += 1
            self.ready[partition] = n

    def _pop(self, size: int) -> list[Any]:
        ready = [list(islice(self.buffers[p], n)) for p, n in self.ready.items() if n]
        merged = list(islice(heapq.merge(*ready, key=lambda record: record.timestamp), size))
        for record in merged:
            partition = TopicPartition(record.topic, record.partition)
            self.buffers[partition].popleft()
            self.ready[partition] -= 1
        return merged


def _facts(items: list[Item]) -> Iterator[tuple[str, str]]:
    for item in items:
        if item.event is not None and (key := facts_of(item.event)) is not None:
            yield key


def _encode(offsets: Offsets) -> list[dict[str, Any]]:
    return [
        {"topic": p.topic, "partition": p.partition, "offset": offset}
        for p, offset in sorted(offsets.items())
    ]


def _decode(offsets: list[dict[str, Any]]) -> Offsets:
    return {TopicPartition(o["topic"], int(o["partition"])): int(o["offset"]) for o in offsets}


def _furthest(one: Offsets, other: Offsets) -> Offsets:
    return {p: max(one.get(p, 0), other.get(p, 0)) for p in {*one, *other}}


def _passed(reached: Offsets, mark: Offsets) -> bool:
    return all(reached.get(partition, 0) >= offset for partition, offset in mark.items())


def _peak_rss_mib() -> float:
    """This process's peak resident memory (Linux reports ru_maxrss in KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _transient(error: Exception) -> bool:
    return transient(error)  # FerretDB answering while its PostgreSQL is down included


async def rebuild(
    settings: ReportingSettings, fresh: bool = False, now: Clock = real_now
) -> Outcome:
    """Build a new version from the topics, run the retention pass on it by ``now``, switch."""
    mongo = make_mongo_client(settings.mongodb_url)
    database = mongo[settings.database_of("reporting")]
    versions = Versions(database)
    consumer = AIOKafkaConsumer(
        **client_options(
            settings.kafka_bootstrap_servers,
            KafkaSecurity.of(settings),
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
    )
    await consumer.start()
    try:
        version, checkpoint = await versions.begin_build(resume=not fresh)
        try:
            return await _build(settings, versions, consumer, version, checkpoint, now)
        except BaseException:
            await versions.release()
            raise
    finally:
        await consumer.stop()
        await mongo.close()


async def _build(
    settings: ReportingSettings,
    versions: Versions,
    consumer: AIOKafkaConsumer,
    version: int,
    checkpoint: Mapping[str, Any] | None,
    now: Clock,
) -> Outcome:
    partitions = await _partitions(settings)
    store = RebuildStore(versions.db, version, settings.rebuild_max_held)
    replay = Replay(consumer, store, settings.offices)
    windows = Windows(replay, store, versions, settings, {})
    if checkpoint is not None:
        windows.resume(checkpoint)
        await store.recall()
    if partitions:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        for partition, offset in windows.reached.items():
            if partition in partitions:
                consumer.seek(partition, offset)
        await windows.run(await consumer.end_offsets(partitions))
    replay.outcome.peak_rss_mib = _peak_rss_mib()
    log.info("version %d written (%d events); switching over", version, replay.outcome.events)
    # the retention pass the live version ran, judged by the same clock: the replay brought back
    # the records of cases past their period, which the live version no longer holds. Before
    # the switch-over's lease (the live service goes on meanwhile; the pass may take a while on
    # a large county), so the catch-up below already ignores late events of dropped cases.
    dropped = await retention.one_pass(versions.db, retention.periods(settings), now(), version)
    log.info("version %d: retention pass %s", version, dict(dropped))
    # the catch-up is small: it goes through the store on the written version
    replay.store = ProjectionStore(versions.db, version)

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
    admin = AIOKafkaAdminClient(
        **client_options(settings.kafka_bootstrap_servers, KafkaSecurity.of(settings))
    )
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
    parser = argparse.ArgumentParser(prog="python -m hoppid.reporting.rebuild")
    parser.add_argument(
        "--fresh", action="store_true", help="start over, not from a stopped rebuild's checkpoint"
    )
    arguments = parser.parse_args()
    try:
        settings = load_settings(ReportingSettings)
    except SettingsError as error:
        print(f"hoppid-reporting rebuild cannot start: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging("reporting-rebuild", settings.log_level)
    outcome = asyncio.run(rebuild(settings, fresh=arguments.fresh))
    print(json.dumps({"rebuilt": asdict(outcome)}))
