"""A pytest plugin for every member's tests: the real stack's addresses, throwaway names, waits.

Each test gets its own topic prefix and database, so tests never see each other's data. Enable
it with ``pytest_plugins = ["hoppid.shared.testing"]`` (the workspace's root conftest does).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from hoppid.shared.envelope import Envelope
from hoppid.shared.mongo import make_mongo_client

T = TypeVar("T")


def kafka_servers() -> str:
    return os.environ.get("HOPPID_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")


def mongodb_url() -> str:
    return os.environ.get("HOPPID_MONGODB_URL", "mongodb://127.0.0.1:27017/")


# The signing secret of the services the tests start (ServiceProcess), unless a test gives its
# own: tests that sign a person's link in-process use this one too.
TEST_LINK_SECRET = "test-only-signing-secret-of-the-hoppid-suite"  # noqa: S105


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def eventually(
    probe: Callable[[], Awaitable[T]],
    *,
    timeout: float = 30.0,
    interval: float = 0.2,
    what: str = "condition",
) -> T:
    """Poll until ``probe`` returns something truthy; fail with ``what`` after ``timeout``.

    This waits for asynchronous effects; it never asserts how fast they happen.
    """
    deadline = asyncio.get_running_loop().time() + timeout
    last: Any = None
    while True:
        try:
            last = await probe()
        except Exception as error:
            last = error
        if last and not isinstance(last, Exception):
            return last  # type: ignore[no-any-return]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last: {last!r}")
        await asyncio.sleep(interval)


@pytest.fixture
def unique() -> str:
    """A short random name part: topic prefixes, group ids, database names."""
    return uuid.uuid4().hex[:10]


@pytest.fixture
async def topic_prefix(unique: str) -> AsyncIterator[str]:
    """A prefix for the test's topics; they are deleted afterwards, so a whole run never
    piles thousands of partitions onto the local broker (its heap is kept small)."""
    prefix = f"test-{unique}."
    yield prefix
    await delete_topics(prefix)


async def delete_topics(prefix: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_servers())
    try:
        await admin.start()
        doomed = [name for name in await admin.list_topics() if name.startswith(prefix)]
        if doomed:
            await admin.delete_topics(doomed)
    except Exception as error:  # best effort: a broker test may have stopped this broker
        print(f"could not delete the test topics {prefix}*: {error}")
    finally:
        with contextlib.suppress(Exception):
            await admin.close()


@pytest.fixture
async def mongo() -> AsyncIterator[AsyncMongoClient[dict[str, Any]]]:
    client = make_mongo_client(mongodb_url())
    yield client
    await client.close()


@pytest.fixture
async def database(
    mongo: AsyncMongoClient[dict[str, Any]], unique: str
) -> AsyncIterator[AsyncDatabase[dict[str, Any]]]:
    name = f"test_{unique}"
    yield mongo[name]
    await mongo.drop_database(name)


class ServiceProcess:
    """A service running as its own process, as in production; stopped (never left behind)."""

    def __init__(self, name: str, env: dict[str, str], port: int | None = None) -> None:
        self.name = name
        self.port = port or free_port()
        # two partitions a topic is plenty for a test and keeps the local broker small
        self.env = {
            "HOPPID_LINK_SECRET": TEST_LINK_SECRET,  # a service refuses to start without one
            **os.environ,
            "HOPPID_TOPIC_PARTITIONS": "2",
            **env,
            f"HOPPID_{name.upper()}_PORT": str(self.port),
        }
        self.process: asyncio.subprocess.Process | None = None
        # a file, not a pipe: a pipe nobody reads fills up and blocks the service
        self.log_path = Path(tempfile.gettempdir()) / f"hoppid-test-{name}-{self.port}.log"

    def log_text(self) -> str:
        return self.log_path.read_text("utf-8", "replace") if self.log_path.exists() else ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> ServiceProcess:
        with self.log_path.open("ab") as log_file:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                f"hoppid.{self.name}.main",
                env=self.env,
                stdout=log_file,
                stderr=log_file,
            )
        await eventually(self._alive, timeout=30, what=f"{self.name} /healthz")
        return self

    async def _alive(self) -> bool:
        assert self.process is not None
        if self.process.returncode is not None:
            raise AssertionError(
                f"{self.name} exited with {self.process.returncode}:\n{self.log_text()[-3000:]}"
            )
        async with httpx.AsyncClient(timeout=2) as client:
            return (await client.get(f"{self.url}/healthz")).status_code == 200

    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def kill(self) -> None:
        """SIGKILL: a crash, with no chance to finish anything."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), 15)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


async def read_envelopes(
    topic: str, until: Callable[[list[Envelope]], bool], timeout: float = 30.0
) -> list[tuple[Any, Envelope]]:
    """(record, envelope) pairs from the topic's beginning, read by a plain aiokafka consumer,
    until ``until(envelopes so far)`` holds."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka_servers(),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    await consumer.start()
    found: list[tuple[Any, Envelope]] = []
    try:
        async with asyncio.timeout(timeout):
            while not until([envelope for _, envelope in found]):
                for records in (await consumer.getmany(timeout_ms=300)).values():
                    found.extend((r, Envelope.from_kafka(r.headers, r.value)) for r in records)
    finally:
        await consumer.stop()
    return found


def of_type(envelopes: list[Envelope], event_type: str) -> list[Envelope]:
    """The envelopes of one type; ``event_type`` may omit the ``no.hoppid.`` prefix."""
    full = event_type if event_type.startswith("no.hoppid.") else f"no.hoppid.{event_type}"
    return [envelope for envelope in envelopes if envelope.type == full]
