"""A throwaway local stack for fault tests: Kafka and the store on free ports in a folder of its
own, started and stopped with the project's own deploy/local/stack.sh, so a test may stop, stall
or restore its servers without touching the stack the rest of the suite uses.

Imported by name (this folder is on pytest's pythonpath), so it must stay uniquely named."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from hoppid.shared.testing import PLAIN_KAFKA, free_port

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "deploy" / "local" / "stack.sh"


class SideStack:
    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)
        self.kafka_port, self.store_port = free_port(), free_port()
        self.env = {
            **{k: v for k, v in os.environ.items() if k != "HOPPID_MONGODB_URL"},
            "HOPPID_STACK_DIR": folder,
            "HOPPID_KAFKA_PORT": str(self.kafka_port),
            "HOPPID_KAFKA_CONTROLLER_PORT": str(free_port()),
            "HOPPID_STORE_PORT": str(self.store_port),
            "HOPPID_FERRETDB_DEBUG_PORT": "off",
            "HOPPID_POSTGRES_PORT": str(free_port()),
            # a plain listener: these tests are about the servers' faults, not Kafka's users
            "HOPPID_KAFKA_SASL": "off",
            **PLAIN_KAFKA,
            # for scripts that talk to the broker (stack.sh itself never reads it)
            "HOPPID_KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{self.kafka_port}",
        }

    @property
    def kafka(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def mongodb_url(self) -> str:
        return f"mongodb://127.0.0.1:{self.store_port}/"

    async def run(self, *args: str, command: Path = STACK, timeout: float = 300) -> str:
        """Run stack.sh (or another script of the repository) with this stack's settings."""
        process = await asyncio.create_subprocess_exec(
            "bash",
            str(command),
            *args,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(process.communicate(), timeout)
        text = output.decode("utf-8", "replace")
        assert process.returncode == 0, f"{command.name} {' '.join(args)}:\n{text}"
        return text

    def pid(self, name: str) -> int:
        """The pid of one of the stack's servers (kafka, ferretdb, postgres) from its pid file."""
        return int((self.folder / "run" / f"{name}.pid").read_text().strip())

    async def stop_postgres(self) -> None:
        """PostgreSQL alone stops (a fast shutdown), FerretDB in front of it keeps answering."""
        pid = self.pid("postgres")
        os.kill(pid, signal.SIGINT)
        for _ in range(600):
            if not _alive(pid):
                return
            await asyncio.sleep(0.1)
        raise AssertionError("PostgreSQL did not stop within 60 s")

    def stall_kafka(self) -> None:
        """The broker freezes (SIGSTOP): connections stay open, nothing answers, as in a network
        stall. :meth:`resume_kafka` lets it go on."""
        os.kill(self.pid("kafka"), signal.SIGSTOP)

    def resume_kafka(self) -> None:
        os.kill(self.pid("kafka"), signal.SIGCONT)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


@contextlib.asynccontextmanager
async def side_stack(*components: str) -> AsyncIterator[SideStack]:
    """A stack in a temporary folder (both servers, or the one named), stopped and deleted
    afterwards whatever happened to it (``reset``: also the PostgreSQL cluster that, as root,
    lives under /var/tmp)."""
    with tempfile.TemporaryDirectory(prefix="hoppid-side-stack-") as folder:
        stack = SideStack(folder)
        await stack.run("up", *components)
        try:
            yield stack
        finally:
            with contextlib.suppress(Exception):
                stack.resume_kafka()  # a stalled broker would not stop on SIGTERM
            await stack.run("reset")
