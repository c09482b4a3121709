"""`make demo` timed, and how long a receipt takes to reach the mailbox while it runs.

Starts the platform as `make run` does (scripts/run.sh, a run folder, topic prefix, databases and
ports of its own, against the local stack given by HOPPID_KAFKA_BOOTSTRAP_SERVERS and
HOPPID_MONGODB_URL), waits until it has loaded its demo data, then:

1. **idle** (the peer): ``PROBES_IDLE`` inquiries one at a time through intake's API, each timed
   from the request to its receipt listed in the development mailbox (notifications'
   ``/v1/dev/mailbox?to=``, asked every 50 ms);
2. **`make demo`** (scripts/demo.sh, ``DEMO_INQUIRIES`` inquiries, 200 by default) timed from
   start to exit, its own output kept by step; meanwhile one probe inquiry every
   ``PROBE_EVERY`` seconds (5), timed the same way.

Then stops the platform as Ctrl-C does. Prints a table to stdout. Run with the stack up:
``python bench/demo_run.py``.
"""

from __future__ import annotations

import asyncio
import math
import os
import re
import signal
import socket
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from hoppid.shared.testing import public_inquiry

REPO = Path(__file__).resolve().parent.parent
SERVICES = ("intake", "scheduling", "notifications", "reporting")
DEMO_INQUIRIES = int(os.environ.get("DEMO_INQUIRIES", "200"))
PROBES_IDLE = int(os.environ.get("PROBES_IDLE", "10"))
PROBE_EVERY = float(os.environ.get("PROBE_EVERY", "5"))
READY_LINE = "demo traffic: make demo"
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # run.sh's bold "hoppid:"
MAILBOX_KEY = "bench-demo-run-mailbox-admin-key"  # the development mailbox's reader (issue 13)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass
class Platform:
    env: dict[str, str]
    ports: dict[str, int]
    run_dir: Path
    process: asyncio.subprocess.Process | None = None
    output: Path = field(init=False)

    def __post_init__(self) -> None:
        self.output = self.run_dir / "make-run.out"

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    async def start(self) -> float:
        began = time.monotonic()
        with self.output.open("wb") as out:
            self.process = await asyncio.create_subprocess_exec(
                str(REPO / "scripts" / "run.sh"),
                cwd=REPO,
                env=self.env,
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,  # its own process group, as a terminal's Ctrl-C reaches
            )
        while READY_LINE not in self.output.read_text("utf-8", "replace"):
            if self.process.returncode is not None:
                raise RuntimeError(f"make run exited:\n{self.output.read_text()[-3000:]}")
            if time.monotonic() - began > 600:
                raise TimeoutError("make run not ready after 600 s")
            await asyncio.sleep(0.5)
        return time.monotonic() - began

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            await asyncio.wait_for(self.process.wait(), 90)
        except TimeoutError:
            os.killpg(self.process.pid, signal.SIGKILL)
            await self.process.wait()


def environment(run_dir: Path, prefix: str, ports: dict[str, int]) -> dict[str, str]:
    env = {
        **os.environ,
        "HOPPID_RUN_DIR": str(run_dir),
        "HOPPID_TOPIC_PREFIX": prefix,
        "HOPPID_NOTIFICATIONS_DEVMAIL_PORT": str(free_port()),
        "HOPPID_NOTIFICATIONS_ADMIN_KEY": MAILBOX_KEY,  # run.sh and demo.sh pass it on
        "HOPPID_SCHEDULING_DEV_CLOCK_FILE": str(run_dir / "scheduling-clock-seconds"),
        "HOPPID_LOG_LEVEL": os.environ.get("HOPPID_LOG_LEVEL", "WARNING"),
    }
    env.pop("HOPPID_NOTIFICATIONS_SMTP_PORT", None)  # run.sh sends to its own mailbox
    for name, port in ports.items():
        env[f"HOPPID_{name.upper()}_PORT"] = str(port)
        env[f"HOPPID_{name.upper()}_METRICS_PORT"] = str(free_port())  # run.sh's metrics ports
        env.pop(f"HOPPID_{name.upper()}_PUBLIC_URL", None)
    return env


def probe_form(email: str, n: int) -> dict[str, Any]:
    return public_inquiry(
        name="Probe Nordmann",
        email=email,
        phone="91234567",
        idea=f"A probe of the receipt's way (probe {n})",
        consent_newsletter=False,
        share_company_with_partners=False,
    )


async def receipt_seconds(
    client: httpx.AsyncClient, platform: Platform, email: str, n: int
) -> float:
    """From the inquiry's request to its receipt listed in the development mailbox."""
    began = time.monotonic()
    answer = await client.post(
        f"{platform.url('intake')}/v1/inquiries",
        json=probe_form(email, n),
        headers={"Idempotency-Key": f"probe-{email}"},
    )
    answer.raise_for_status()
    mailbox = f"{platform.url('notifications')}/v1/dev/mailbox"
    admin = {"Authorization": f"Bearer {MAILBOX_KEY}"}  # only a platform admin reads it
    while time.monotonic() - began < 600:
        listed = await client.get(mailbox, params={"to": email, "limit": 5}, headers=admin)
        if listed.status_code == 200 and listed.json():
            return time.monotonic() - began
        await asyncio.sleep(0.05)
    raise TimeoutError(f"no receipt for {email} after 600 s")


async def probes_while(
    client: httpx.AsyncClient, platform: Platform, run: str, running: asyncio.Task[Any]
) -> list[float]:
    found: list[float] = []
    pending: list[asyncio.Task[float]] = []
    n = 0
    while not running.done():
        email = f"probe-demo-{run}-{n}@example.no"
        pending.append(asyncio.create_task(receipt_seconds(client, platform, email, n)))
        n += 1
        await asyncio.wait([running], timeout=PROBE_EVERY)
    for task in pending:
        found.append(await task)
    return found


def cpu_seconds(platform: Platform) -> dict[str, float]:
    """CPU time (user + system) each service process has used so far (pids from make run)."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for name in SERVICES:
        pid = (platform.run_dir / "pids" / f"{name}.pid").read_text().strip()
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        found[name] = (int(fields[11]) + int(fields[12])) / tick
    return found


async def demo(platform: Platform) -> tuple[float, int, list[str]]:
    """make demo's run time, exit code, and its output lines, each with the second it came."""
    env = {**platform.env, "DEMO_INQUIRIES": str(DEMO_INQUIRIES), "PYTHONUNBUFFERED": "1"}
    began = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        str(REPO / "scripts" / "demo.sh"),
        cwd=REPO,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    lines = []
    async for raw in process.stdout:
        line = ANSI.sub("", raw.decode("utf-8", "replace").rstrip())
        lines.append(f"{time.monotonic() - began:6.1f} s  {line}")
    code = await process.wait()
    return time.monotonic() - began, code, lines


def row(what: str, values: list[float]) -> str:
    p50, p99, most = (percentile(values, 0.5), percentile(values, 0.99), max(values))
    return f"| {what} | {len(values)} | {p50:.2f} | {p99:.2f} | {most:.2f} |"


async def main() -> None:
    run = uuid.uuid4().hex[:8]
    ports = {name: free_port() for name in SERVICES}
    with tempfile.TemporaryDirectory(prefix="hoppid-demo-bench-") as folder:
        run_dir = Path(folder)
        platform = Platform(environment(run_dir, f"demobench-{run}.", ports), ports, run_dir)
        try:
            started = await platform.start()
            async with httpx.AsyncClient(timeout=60) as client:
                idle = []
                for n in range(PROBES_IDLE):
                    email = f"probe-idle-{run}-{n}@example.no"
                    idle.append(await receipt_seconds(client, platform, email, n))
                load_before, cpu_before = os.getloadavg(), cpu_seconds(platform)
                running = asyncio.create_task(demo(platform))
                during = await probes_while(client, platform, run, running)
                seconds, code, output = await running
                load_after, cpu_after = os.getloadavg(), cpu_seconds(platform)
        finally:
            await platform.stop()
    print(f"make run ready (services up, demo data loaded) after {started:.1f} s.")
    print(f"make demo ({DEMO_INQUIRIES} inquiries): {seconds:.1f} s, exit {code}.")
    start, end = (" ".join(f"{v:.1f}" for v in load) for load in (load_before, load_after))
    print(f"load average (1, 5, 15 min) at its start {start}, at its end {end}.")
    print()
    print("| receipt: inquiry request → in the development mailbox | n | p50 s | p99 s | max s |")
    print("|---|---:|---:|---:|---:|")
    print(row("idle platform, one at a time (the peer)", idle))
    print(row(f"during make demo, one every {PROBE_EVERY:.0f} s", during))
    print()
    used = {name: cpu_after[name] - cpu_before[name] for name in SERVICES}
    print(
        "CPU seconds each service used during make demo: "
        + ", ".join(f"{name} {used[name]:.1f}" for name in SERVICES)
        + f" (of {seconds:.0f} s; 2 cores shared with other sessions)."
    )
    print()
    print("make demo's own output, each line with the second it came:")
    print()
    for line in output:
        print("    " + line)


if __name__ == "__main__":
    asyncio.run(main())
