"""Readiness follows the servers: 503 while the broker or the store is down, 200 when it returns.

A throwaway stack on its own ports and folder is started with the project's own stack script, so
the servers the other tests use are never touched. The service must not crash-loop meanwhile.
"""

from collections.abc import AsyncIterator

import httpx
import pytest
from side_stack_support import SideStack
from side_stack_support import side_stack as start_side_stack

from hoppid.shared.testing import ServiceProcess, eventually


@pytest.fixture
async def side_stack() -> AsyncIterator[SideStack]:
    async with start_side_stack() as stack:  # reset afterwards: nothing of it is left behind
        yield stack


async def readiness(client: httpx.AsyncClient) -> tuple[int, dict[str, str]]:
    response = await client.get("/readyz")
    return response.status_code, response.json()["checks"]


async def test_readiness_turns_false_and_true_with_the_servers(side_stack: SideStack) -> None:
    service = await ServiceProcess(
        "reporting",
        {
            "HOPPID_KAFKA_BOOTSTRAP_SERVERS": side_stack.kafka,
            "HOPPID_MONGODB_URL": side_stack.mongodb_url,
        },
    ).start()
    try:
        async with httpx.AsyncClient(base_url=service.url, timeout=15) as client:

            async def status_is(code: int, failing: str | None = None) -> bool:
                status, checks = await readiness(client)
                return status == code and (failing is None or checks[failing] != "ok")

            await eventually(lambda: status_is(200), timeout=90, what="ready at first")

            await side_stack.run("down", "kafka")
            await eventually(lambda: status_is(503, "kafka"), timeout=60, what="kafka down")
            assert (await readiness(client))[1]["store"] == "ok"
            await side_stack.run("up", "kafka")
            await eventually(lambda: status_is(200), timeout=120, what="kafka back")

            await side_stack.run("down", "store")
            await eventually(lambda: status_is(503, "store"), timeout=60, what="store down")
            assert (await readiness(client))[1]["kafka"] == "ok"
            await side_stack.run("up", "store")
            await eventually(lambda: status_is(200), timeout=120, what="store back")

        assert service.running(), "the service must ride out the outages, not exit"
    finally:
        await service.stop()
