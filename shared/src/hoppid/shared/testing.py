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
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from hoppid.shared.envelope import Envelope
from hoppid.shared.kafka import client_options
from hoppid.shared.mongo import IndexSpec, apply_indexes, make_mongo_client
from hoppid.shared.pii import PersonalDataVault, vault_kek

T = TypeVar("T")


def kafka_servers() -> str:
    return os.environ.get("HOPPID_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")


# What a client of a stack started with HOPPID_KAFKA_SASL=off (a test's side stack: a broker of
# its own, whose faults are the test's subject, not its users) is told, whatever the suite's
# own stack uses.
PLAIN_KAFKA = {
    "HOPPID_KAFKA_SECURITY_PROTOCOL": "PLAINTEXT",
    "HOPPID_KAFKA_USERNAME": "",
    "HOPPID_KAFKA_PASSWORD": "",
}


def pytest_configure(config: pytest.Config) -> None:
    """A stack started with HOPPID_KAFKA_SASL=on wants its admin user: when the environment
    names no Kafka credentials, take its stack's (HOPPID_STACK_DIR, else <repo>/.stack), if
    that stack's broker is the one the tests use."""
    os.environ.update(stack_kafka_credentials(config.rootpath, os.environ))


def stack_kafka_credentials(root: Path, env: Mapping[str, str]) -> dict[str, str]:
    """The HOPPID_KAFKA_* lines of <stack>/kafka/client.env, or nothing (credentials given, no
    such stack, or its broker runs elsewhere than HOPPID_KAFKA_BOOTSTRAP_SERVERS)."""
    if env.get("HOPPID_KAFKA_SECURITY_PROTOCOL"):
        return {}
    stack = Path(env.get("HOPPID_STACK_DIR") or root / ".stack")
    started = stack / "run" / "kafka.settings"  # deploy/local/kafka.sh: listener and address
    client = stack / "kafka" / "client.env"
    servers = env.get("HOPPID_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    if not (started.is_file() and client.is_file()) or f" {servers}," not in started.read_text():
        return {}
    lines = client.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line.startswith("HOPPID_KAFKA_"))


def kafka_client(**options: Any) -> dict[str, Any]:
    """An aiokafka client's keyword arguments for the tests' own producers, consumers and admin
    clients: the stack's servers and the credentials in the environment (scripts/env.sh puts a
    SASL stack's admin user there; nothing on a plain stack), then ``options``."""
    return client_options(kafka_servers(), **options)


def mongodb_url() -> str:
    return os.environ.get("HOPPID_MONGODB_URL", "mongodb://127.0.0.1:27017/")


# The signing secret of the services the tests start (ServiceProcess), unless a test gives its
# own: tests that sign a person's link in-process use this one too.
TEST_LINK_SECRET = "test-only-signing-secret-of-the-hoppid-suite"  # noqa: S105


def vault_for_tests(database: AsyncDatabase[dict[str, Any]]) -> PersonalDataVault:
    """The vault as the services the tests start open it (their key-encryption key)."""
    return PersonalDataVault(database, vault_kek(TEST_LINK_SECRET))


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
    admin = AIOKafkaAdminClient(**kafka_client())
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


# the two sides of every repository's contract test: the in-memory version (the fast lane) and
# the service's store on the stack (marked integration)
CONTRACT_SIDES = ["memory", pytest.param("mongo", marks=pytest.mark.integration)]


@contextlib.asynccontextmanager
async def fresh_database(
    prefix: str, indexes: Iterable[IndexSpec] = ()
) -> AsyncIterator[AsyncDatabase[dict[str, Any]]]:
    """A database of its own on the stack's store (``<prefix>_<random>``) with ``indexes``
    applied; dropped afterwards."""
    client = make_mongo_client(mongodb_url())
    database = client[f"{prefix}_{uuid.uuid4().hex}"]
    try:
        await apply_indexes(database, indexes)
        yield database
    finally:
        await client.drop_database(database.name)
        await client.close()


def public_inquiry(**fields: Any) -> dict[str, Any]:
    """A valid public inquiry to intake (``POST /v1/inquiries``, the form's fields): Kari
    Nordmann in Rauma with an idea, asking for guidance, digitally, in bokmål, consenting to the
    processing; ``fields`` add to these or replace them. One body for the tests and the
    benchmarks: here, because both import this module already."""
    return {
        "name": "Kari Nordmann",
        "email": "kari@example.no",
        "municipality": "1539",  # Rauma: the Nordveggen office
        "idea": "A bakery in Åndalsnes",
        "stage": "idea",
        "needs": ["guidance"],
        "language": "nb",
        "meeting_mode": "digital",
        "consent_processing": True,
        "consent_text_version": "2026-11-01",
        **fields,
    }


# What the services the tests start keep: everything (36,500 days, the settings' maximum), so
# the date a test runs on never decides what a retention pass removes from data with fixed dates
# (a pass runs at each start; reporting's rebuild runs one too). Retention tests set their own.
KEEP_EVERYTHING = {
    f"HOPPID_{setting}_DAYS": "36500"
    for setting in (
        "INTAKE_RETAIN_CLOSED_CASE",
        "INTAKE_RETAIN_INACTIVE_CASE",
        "INTAKE_RETAIN_CLAIMS",
        "SCHEDULING_RETAIN_MEETING",
        "SCHEDULING_RETAIN_PROGRAMME",
        "SCHEDULING_RETAIN_DESK_BOOKING",
        "SCHEDULING_RETAIN_OFFER",
        "SCHEDULING_RETAIN_EXPORT_ANSWER",
        "NOTIFICATIONS_RETAIN_DELIVERY",
        "NOTIFICATIONS_RETAIN_MEETING",
        "NOTIFICATIONS_RETAIN_EXPORT_ANSWER",
        "REPORTING_RETAIN_CLOSED_CASE",
        "REPORTING_RETAIN_INACTIVE_CASE",
    )
}


class ServiceProcess:
    """A service running as its own process, as in production; stopped (never left behind)."""

    def __init__(self, name: str, env: dict[str, str], port: int | None = None) -> None:
        self.name = name
        self.port = port or free_port()
        # two partitions a topic is plenty for a test and keeps the local broker small
        self.env = {
            "HOPPID_LINK_SECRET": TEST_LINK_SECRET,  # a service refuses to start without one
            **KEEP_EVERYTHING,
            **os.environ,
            "HOPPID_TOPIC_PARTITIONS": "2",
            # its own metrics port: tests run many services at once on this machine
            "HOPPID_METRICS_PORT": str(free_port()),
            **env,
            f"HOPPID_{name.upper()}_PORT": str(self.port),
        }
        self.metrics_port = int(self.env["HOPPID_METRICS_PORT"])
        self.process: asyncio.subprocess.Process | None = None
        # a file, not a pipe: a pipe nobody reads fills up and blocks the service. A new file
        # for each process object: tests read it for tracebacks, and a file named after the
        # port alone was appended to and still held an earlier run's traceback (a CI failure)
        handle, path = tempfile.mkstemp(prefix=f"hoppid-test-{name}-{self.port}-", suffix=".log")
        os.close(handle)
        self.log_path = Path(path)

    def log_text(self) -> str:
        return self.log_path.read_text("utf-8", "replace") if self.log_path.exists() else ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def metrics_url(self) -> str:
        """Where Prometheus scrapes it: the metrics port, not the public one."""
        return f"http://127.0.0.1:{self.metrics_port}/metrics"

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
        try:
            await eventually(self._alive, timeout=30, what=f"{self.name} /healthz")
        except BaseException:
            await self.stop()  # never left behind: a fixture that fails here cannot stop it
            raise
        return self

    async def _alive(self) -> bool:
        if self.process is None:
            raise RuntimeError(f"{self.name} was never started")
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
        **kafka_client(auto_offset_reset="earliest", enable_auto_commit=False, group_id=None),
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
