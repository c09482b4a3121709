"""The rebuild's memory store leaves exactly the documents the Mongo store leaves.

Both get the same events through the same projections (``project``): the scripted streams of
the figures, meetings and group tests (duplicates and out-of-order delivery in them), then all
of it once more in reverse. The memory store is flushed into its own version of the same
database and every collection is compared document by document.
"""

from typing import Any

from reporting_support import group_scenario, meeting_scenario, scenario

from hoppid.reporting.handlers import PROJECTED_TYPES, project
from hoppid.reporting.memory_store import MemoryProjectionStore
from hoppid.reporting.store import VERSIONED, Projecting, ProjectionStore
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import catalogue
from hoppid.shared.mongo import DocumentLocks


def stream() -> list[Envelope]:
    figures, _ = scenario()
    intake, scheduling, _ = meeting_scenario()
    groups, _ = group_scenario()
    once = [*figures, *scheduling, *intake, *groups]
    return [*once, *reversed(once)]


def as_read(envelope: Envelope) -> Envelope:
    """The envelope as a consumer reads it from Kafka."""
    headers = [(name, value.encode()) for name, value in envelope.headers().items()]
    return Envelope.from_kafka(headers, envelope.value())


async def replay(store: Projecting, envelopes: list[Envelope]) -> None:
    for envelope in map(as_read, envelopes):
        if envelope.type in PROJECTED_TYPES:
            await project(store, catalogue.parse(envelope), envelope)


async def documents(database: Any, version: int) -> dict[str, list[dict[str, Any]]]:
    return {
        name: [doc async for doc in database[f"v{version}_{name}"].find({}).sort("_id", 1)]
        for name in VERSIONED
    }


async def test_memory_store_leaves_the_mongo_stores_documents(database: Any) -> None:
    envelopes = stream()
    await replay(ProjectionStore(database, 1, DocumentLocks()), envelopes)
    memory = MemoryProjectionStore(2)
    await replay(memory, envelopes)
    written = await memory.flush(database)

    in_mongo, from_memory = await documents(database, 1), await documents(database, 2)
    assert written == memory.count() == sum(len(docs) for docs in from_memory.values())
    for name in ("cells", "cases", "claims", "ledger", "offices", "enrolments", "seats"):
        assert in_mongo[name], f"the streams leave no {name}: the comparison proves nothing"
        assert from_memory[name] == in_mongo[name], name
