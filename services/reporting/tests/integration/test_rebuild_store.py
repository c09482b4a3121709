"""The rebuild's store leaves exactly the documents the Mongo store leaves, in windows of any size.

Both get the same events through the same projections (``project``): the scripted streams of
the figures, meetings and group tests (duplicates and out-of-order delivery in them), then all
of it once more in reverse. The rebuild store writes into its own version of the same database
and every collection is compared document by document: in one window, in small windows with a
small bound on what it holds (which it never exceeds), and stopped during a write and continued.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from reporting_support import group_scenario, meeting_scenario, scenario

from hoppid.reporting.projection.handlers import PROJECTED_TYPES, facts_of, project
from hoppid.reporting.projection.store import Projecting, ProjectionStore
from hoppid.reporting.rebuild import store as rebuild_store
from hoppid.reporting.rebuild.store import RebuildStore
from hoppid.reporting.store import VERSIONED
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event, catalogue

Parsed = list[tuple[Event, Envelope]]


def stream() -> Parsed:
    figures, _ = scenario()
    intake, scheduling, _ = meeting_scenario()
    groups, _ = group_scenario()
    once = [*figures, *scheduling, *intake, *groups]
    return [
        (catalogue.parse(envelope), envelope)
        for envelope in map(as_read, [*once, *reversed(once)])
        if envelope.type in PROJECTED_TYPES
    ]


def as_read(envelope: Envelope) -> Envelope:
    """The envelope as a consumer reads it from Kafka."""
    headers = [(name, value.encode()) for name, value in envelope.headers().items()]
    return Envelope.from_kafka(headers, envelope.value())


async def replay(store: Projecting, events: Parsed) -> None:
    for event, envelope in events:
        await project(store, event, envelope)


def facts(events: Parsed) -> Iterator[tuple[str, str]]:
    return (key for event, _ in events if (key := facts_of(event)) is not None)


async def windowed(store: RebuildStore, events: Parsed, size: int) -> None:
    """As the rebuild does it: windows of ``size`` events, each read back, projected, written;
    written sooner when the store is full."""
    for start in range(0, len(events), size):
        window = events[start : start + size]
        await store.prefetch(facts(window))
        for n, (event, envelope) in enumerate(window):
            if store.full() and store.held:
                await store.flush()
                await store.prefetch(facts(window[n:]))
            await project(store, event, envelope)
        await store.flush()


async def documents(database: Any, version: int) -> dict[str, list[dict[str, Any]]]:
    return {
        name: [doc async for doc in database[f"v{version}_{name}"].find({}).sort("_id", 1)]
        for name in VERSIONED
    }


async def mongo_documents(database: Any, events: Parsed) -> dict[str, list[dict[str, Any]]]:
    await replay(ProjectionStore(database, 1), events)
    in_mongo = await documents(database, 1)
    for name in VERSIONED:
        assert in_mongo[name], f"the streams leave no {name}: the comparison proves nothing"
    return in_mongo


async def test_one_window_leaves_the_mongo_stores_documents(database: Any) -> None:
    events = stream()
    in_mongo = await mongo_documents(database, events)
    store = RebuildStore(database, 2, max_held=1_000_000)
    await replay(store, events)
    written = await store.flush()

    from_memory = await documents(database, 2)
    assert written.inserted == sum(len(docs) for docs in from_memory.values())
    assert written.replaced == 0
    for name in VERSIONED:
        assert from_memory[name] == in_mongo[name], name


@pytest.mark.parametrize("size", [1, 7, 50])
async def test_small_windows_and_a_small_bound_leave_the_same_documents(
    database: Any, size: int
) -> None:
    events = stream()
    in_mongo = await mongo_documents(database, events)
    bound = rebuild_store.EVENT_RESERVE + 60
    store = RebuildStore(database, 2, max_held=bound)
    await windowed(store, events, size)

    assert 0 < store.peak_held <= bound
    from_memory = await documents(database, 2)
    for name in VERSIONED:
        assert from_memory[name] == in_mongo[name], name


async def test_a_stop_during_a_write_is_repaired_by_replaying_from_the_checkpoint(
    database: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopped after the window's claims were written, before its cells and facts: the next
    run replays the window from the last checkpoint and checks the stored claims' owners."""
    events = stream()
    in_mongo = await mongo_documents(database, events)
    half, later = len(events) // 8, len(events) // 2  # inside the first pass of the stream
    first = RebuildStore(database, 2, max_held=1_000_000)
    await windowed(first, events[:half], half)  # the checkpoint: after event ``half``
    await replay(first, events[half:later])

    async def stop(self: RebuildStore, sealed: object, taken: object) -> None:
        raise RuntimeError("stopped")

    monkeypatch.setattr(RebuildStore, "_settle", stop)
    with pytest.raises(RuntimeError, match="stopped"):
        await first.flush()
    monkeypatch.undo()
    assert await database["v2_claims"].count_documents({}) > 0

    resumed = RebuildStore(database, 2, max_held=1_000_000)
    await resumed.recall()
    resumed.verify_owners = True
    await windowed(resumed, events[half:], len(events))

    from_memory = await documents(database, 2)
    for name in VERSIONED:
        assert from_memory[name] == in_mongo[name], name
