"""`make run` as a newcomer starts it, on the shared local stack, kept apart from a developer's
own running platform: its own ports, topic prefix (which also names its databases), run folder
and development mailbox. The journey reads the mail from that mailbox, as a person would.

Imported by name (this folder is on pytest's pythonpath), so it must stay uniquely named."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import os
import signal
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
from platform_support import ADMIN_KEY, COUNTY_KEY, SERVICES

from hoppid.shared.testing import eventually, free_port

REPO = Path(__file__).resolve().parents[2]
READY_LINE = "demo traffic: make demo"  # run.sh prints it once the demo data is in


@dataclass
class RunningPlatform:
    process: asyncio.subprocess.Process
    run_dir: Path
    ports: dict[str, int]
    clock_file: Path
    prefix: str

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    @property
    def output(self) -> str:
        path = self.run_dir / "make-run.out"
        return path.read_text("utf-8", "replace") if path.exists() else ""

    def demo_keys(self) -> dict[str, str]:
        keys: dict[str, str] = json.loads((self.run_dir / "demo-keys.json").read_text())
        return keys

    def move_scheduling_clock_to(self, seconds_ahead: float) -> None:
        """scheduling's development clock: its time runs this many seconds ahead of ours."""
        self.clock_file.write_text(f"{seconds_ahead:.0f}\n")

    def mails(self, to: str) -> list[EmailMessage]:
        """What the development mailbox kept for ``to``, oldest first (its files)."""
        folder = self.run_dir / "devmail"
        found = []
        for path in sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
            parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if to in str(parsed["To"]):
                found.append(parsed)
        return found  # type: ignore[return-value]

    def service_pid(self, name: str) -> int:
        """The pid of the service process make run's supervisor started last."""
        return int((self.run_dir / "pids" / f"{name}.pid").read_text())

    async def kill_service(self, name: str) -> None:
        """SIGKILL one service, as a crash would, and wait for make run to start it again."""
        old = self.service_pid(name)
        os.kill(old, signal.SIGKILL)

        async def started_again() -> bool:
            if self.service_pid(name) == old:
                return False
            try:
                async with httpx.AsyncClient(timeout=2) as client:
                    return (await client.get(f"{self.url(name)}/readyz")).status_code == 200
            except httpx.HTTPError:
                return False

        await eventually(started_again, timeout=90, what=f"make run restarts {name}")

    async def stop_like_ctrl_c(self) -> int:
        """Ctrl-C reaches the whole process group; make exits at once, while run.sh stops its
        services: wait until no process of the group is left (as a terminal would see it)."""
        os.killpg(self.process.pid, signal.SIGINT)
        code = await asyncio.wait_for(self.process.wait(), timeout=90)
        await eventually(self._group_gone, timeout=60, what="every process of make run stopped")
        return code

    async def _group_gone(self) -> bool:
        try:
            os.killpg(self.process.pid, 0)  # signal 0: only asks whether any process is left
        except ProcessLookupError:
            return True
        return False


def _ctrl_c_as_in_a_terminal() -> None:
    """SIGINT at its default in make run, as a terminal starts it. A runner started in the
    background by a shell without job control (``cmd &``) ignores SIGINT, and that is inherited:
    run.sh could not trap it, so Ctrl-C stopped the services but their supervisors started them
    again (a CI run started that way failed here)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def environment(prefix: str, run_dir: Path, ports: dict[str, int], clock: Path) -> dict[str, str]:
    devmail = free_port()
    return {
        **os.environ,
        "HOPPID_TOPIC_PREFIX": prefix,
        "HOPPID_TOPIC_PARTITIONS": "2",  # keeps the shared local broker small
        "HOPPID_RUN_DIR": str(run_dir),
        **{f"HOPPID_{name.upper()}_PORT": str(port) for name, port in ports.items()},
        # run.sh's metrics ports, beside any other platform's on this machine
        **{f"HOPPID_{name.upper()}_METRICS_PORT": str(free_port()) for name in ports},
        "HOPPID_NOTIFICATIONS_DEVMAIL_PORT": str(devmail),
        "HOPPID_OIDC_PROVIDER_PORT": str(free_port()),  # the staff sign-in's provider
        "HOPPID_NOTIFICATIONS_SMTP_PORT": str(devmail),
        "HOPPID_REPORTING_COUNTY_KEY": COUNTY_KEY,
        "HOPPID_NOTIFICATIONS_ADMIN_KEY": ADMIN_KEY,  # the development mailbox's one reader
        "HOPPID_SCHEDULING_DEV_CLOCK_FILE": str(clock),
        # quick pollers, so the journey does not wait on intervals meant for production
        "HOPPID_OUTBOX_RELAY_INTERVAL_SECONDS": "0.5",
        "HOPPID_SCHEDULING_REMINDER_POLL_SECONDS": "0.5",
        "HOPPID_NOTIFICATIONS_POLL_INTERVAL_SECONDS": "0.5",
    }


async def start_make_run(prefix: str, run_dir: Path) -> RunningPlatform:
    await asyncio.to_thread(run_dir.mkdir, parents=True, exist_ok=True)
    ports = {name: free_port() for name in SERVICES}
    clock = run_dir / "clock-seconds"
    with (run_dir / "make-run.out").open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            "make",
            "run",
            cwd=REPO,
            env=environment(prefix, run_dir, ports, clock),
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal's Ctrl-C reaches
            preexec_fn=_ctrl_c_as_in_a_terminal,
        )
    platform = RunningPlatform(process, run_dir, ports, clock, prefix)

    async def demo_loaded() -> bool:
        if process.returncode is not None:
            raise AssertionError(f"make run exited {process.returncode}:\n{platform.output}")
        return READY_LINE in platform.output

    await eventually(demo_loaded, timeout=240, what="make run: services up and demo data in")
    return platform


async def answers(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=2) as client:
            await client.get(f"{url}/healthz")
        return True
    except httpx.HTTPError:
        return False


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def text_of(message: Any) -> str:
    part = message.get_body(preferencelist=("plain",))
    return str(part.get_content()) if part is not None else ""
