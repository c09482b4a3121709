"""Readiness follows the servers: 503 while the broker or the store is down, 200 when it returns.

A throwaway stack on its own ports and folder is started with the project's own stack script, so
the servers the other tests use are never touched. The service must not crash-loop meanwhile.
"""

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from hoppid.shared.testing import ServiceProcess, eventually, free_port

STACK = Path(__file__).resolve().parents[1] / "deploy" / "local" / "stack.sh"


class SideStack:
    def __init__(self, folder: str) -> None:
        self.kafka_port, self.store_port = free_port(), free_port()
        self.env = {
            **{k: v for k, v in os.environ.items() if k != "HOPPID_MONGODB_URL"},
            "HOPPID_STACK_DIR": folder,
            "HOPPID_KAFKA_PORT": str(self.kafka_port),
            "HOPPID_KAFKA_CONTROLLER_PORT": str(free_port()),
            "HOPPID_STORE_PORT": str(self.store_port),
            "HOPPID_FERRETDB_DEBUG_PORT": "off",
            "HOPPID_POSTGRES_PORT": str(free_port()),
        }

    async def run(self, *args: str) -> None:
        process = await asyncio.create_subprocess_exec(
            "bash",
            str(STACK),
            *args,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(process.communicate(), 300)
        assert process.returncode == 0, f"stack.sh {' '.join(args)}:\n{output.decode()}"


@pytest.fixture
async def side_stack() -> AsyncIterator[SideStack]:
    with tempfile.TemporaryDirectory(prefix="hoppid-side-stack-") as folder:
        stack = SideStack(folder)
        await stack.run("up")
        try:
            yield stack
        finally:
            await stack.run("down")


async def readiness(client: httpx.AsyncClient) -> tuple[int, dict[str, str]]:
    response = await client.get("/readyz")
    return response.status_code, response.json()["checks"]


async def test_readiness_turns_false_and_true_with_the_servers(side_stack: SideStack) -> None:
    service = await ServiceProcess(
        "reporting",
        {
            "HOPPID_KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{side_stack.kafka_port}",
            "HOPPID_MONGODB_URL": f"mongodb://127.0.0.1:{side_stack.store_port}/",
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
