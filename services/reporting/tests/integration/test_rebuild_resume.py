"""A rebuild killed midway continues from its checkpoint to exactly the uninterrupted result.

One topic of one partition, so both rebuilds read the events in the same order and their
versions can be compared document by document (across partitions the interleaving, and so
which case first claims a person, may differ between any two runs; the figures do not).
"""

import asyncio
import os
import sys
from typing import Any

from reporting_support import Script, produce, reporting_env, run_rebuild

from hoppid.reporting.store import VERSIONED
from hoppid.shared.kafka import ensure_topics
from hoppid.shared.testing import eventually, kafka_servers

CASES = 300


def cases() -> list[Any]:
    s = Script()
    stream = [s.office("molde", 32_000, "2025-01-01T10:00")]
    for n in range(CASES):
        case, person = f"case-{n}", f"person-{n * 4 // 5}"  # some people come twice
        month = f"2026-{n % 12 + 1:02d}-10T10:00"
        stream += [
            s.opened(case, person, "molde", "1506", month, stage="running" if n % 3 else "idea"),
            s.status(case, "molde", "contacted", month),
        ]
        if n % 4 == 0:
            stream.append(s.company(case, person, "molde", "1506", month[:10], month))
        if n % 10 == 0:
            stream.append(stream[-2])  # a duplicate
    return stream


async def versions(database: Any, *numbers: int) -> list[dict[str, list[Any]]]:
    return [
        {
            name: [d async for d in database[f"v{n}_{name}"].find({}).sort("_id", 1)]
            for name in VERSIONED
        }
        for n in numbers
    ]


async def test_a_killed_rebuild_continues_to_the_uninterrupted_result(
    topic_prefix: str, unique: str, database: Any
) -> None:
    topic = f"{topic_prefix}hoppid.intake"
    await ensure_topics(kafka_servers(), [topic], partitions=1)
    stream = cases()
    await produce(topic, stream)
    env = reporting_env(topic_prefix, unique, HOPPID_REPORTING_REBUILD_FLUSH_EVENTS="20")

    whole = (await run_rebuild(env))["rebuilt"]
    assert (whole["version"], whole["events"], whole["resumed"]) == (2, len(stream), False)
    assert whole["flushes"] >= len(stream) // 20

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "hoppid.reporting.rebuild",
        env={**os.environ, **env},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:

        async def midway() -> bool:
            checkpoint = await database["projection_state"].find_one({"_id": "rebuild"})
            return bool(checkpoint and checkpoint.get("events", 0) >= len(stream) // 3)

        await eventually(midway, timeout=60, interval=0.005, what="a third replayed")
        assert process.returncode is None, "it finished before it could be stopped"
    finally:
        process.kill()
        await process.wait()
    state = await database["projection_state"].find_one({"_id": "projections"})
    assert (state["active"], state["building"]) == (2, 3)

    resumed = (await run_rebuild(env))["rebuilt"]
    assert (resumed["version"], resumed["resumed"]) == (3, True)
    assert resumed["events"] == len(stream)
    assert resumed["flushes"] < whole["flushes"]  # it did not start again
    built, rebuilt = await versions(database, 2, 3)
    assert await database["v3_cells"].count_documents({}) > 0
    for name in VERSIONED:
        assert rebuilt[name] == built[name], name
