"""Resident memory (RSS) of each service idle, started as `make run` starts it, beside peers.

For each of the four services, in one run on the same machine:

1. **bare Python**: the interpreter with nothing imported (``python -c``, asleep);
2. **its libraries**: a bare Python process that imports exactly the third-party modules the
   service's code loads (found by importing ``hoppid.<service>.main`` in a process of its own
   and listing the modules outside the standard library and hoppid), and nothing else;
3. **its code imported**: ``import hoppid.<service>.main`` (every module of the service, nothing
   built or started);
4. **the service idle**: ``python -m hoppid.<service>.main`` as scripts/run.sh runs it (the same
   settings: dev mailbox, development clock file, public URLs; a topic prefix and databases of
   this run's own), all four at once against the local stack; measured once every one answers
   ``/readyz`` and a settling time has passed with no traffic (``SETTLE`` seconds, 20 by default),
   as the median of five readings a second apart.

RSS is read from ``/proc/<pid>/status`` (VmRSS; RssAnon is the part no other process shares).
Prints a table (MiB) to stdout; run with the stack up:
``python bench/idle_memory.py`` (HOPPID_KAFKA_BOOTSTRAP_SERVERS and HOPPID_MONGODB_URL as for
the other benchmarks). The topics and databases it made are deleted afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient

SERVICES = ("intake", "scheduling", "notifications", "reporting")
SERVERS = os.environ.get("HOPPID_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
MONGODB_URL = os.environ.get("HOPPID_MONGODB_URL", "mongodb://127.0.0.1:27017/")
SETTLE = float(os.environ.get("SETTLE", "20"))
MIB = 1024 * 1024
ASLEEP = "import time; time.sleep(3600)"


def memory(pid: int) -> tuple[int, int]:
    """(VmRSS, RssAnon) of a process, in bytes."""
    fields: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "RssAnon"):
            fields[name] = int(value.split()[0]) * 1024
    return fields["VmRSS"], fields["RssAnon"]


def median_memory(pid: int, readings: int = 5) -> tuple[int, int]:
    taken = []
    for n in range(readings):
        if n:
            time.sleep(1)
        taken.append(memory(pid))
    return (
        int(statistics.median(r for r, _ in taken)),
        int(statistics.median(a for _, a in taken)),
    )


# --- peers: processes that import and then sleep -----------------------------------------------


def imported_memory(code: str) -> tuple[int, int]:
    """RSS of a Python process that runs ``code`` and then sleeps (read once it is asleep)."""
    ready = "import sys; sys.stdout.write('ready\\n'); sys.stdout.flush(); "
    process = subprocess.Popen(
        [sys.executable, "-c", f"{code}\n{ready}{ASLEEP}"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError(f"the peer did not start: {code}")
        time.sleep(1)
        return median_memory(process.pid, readings=3)
    finally:
        process.kill()
        process.wait()


def libraries_of(service: str) -> list[str]:
    """Every third-party module (dotted names) that importing the service's code loads."""
    listing = (
        f"import sys, json; import hoppid.{service}.main\n"
        "third = sorted(m for m in sys.modules if m.split('.')[0] not in sys.stdlib_module_names"
        " and m.split('.')[0] != 'hoppid' and not m.startswith('_'))\n"
        "print(json.dumps(third))"
    )
    out = subprocess.run([sys.executable, "-c", listing], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    names: list[str] = json.loads(out.stdout.strip().splitlines()[-1])
    return names


def import_all(modules: list[str], folder: Path) -> str:
    """Code that imports these modules (those that cannot be imported alone are skipped)."""
    listing = folder / f"modules-{uuid.uuid4().hex}.json"
    listing.write_text(json.dumps(modules))
    return (
        "import importlib, json\n"
        f"for name in json.load(open({str(listing)!r})):\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception:\n"
        "        pass\n"
    )


# --- the services as make run starts them ------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Running:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path


def run_env(prefix: str, run_dir: Path, ports: dict[str, int]) -> dict[str, str]:
    """What scripts/run.sh exports, for a platform of this run's own (prefix, ports, folder)."""
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    clock = run_dir / "scheduling-clock-seconds"
    clock.write_text("0\n")
    devmail_port = free_port()
    env = {
        **os.environ,
        "HOPPID_KAFKA_BOOTSTRAP_SERVERS": SERVERS,
        "HOPPID_MONGODB_URL": MONGODB_URL,
        "HOPPID_TOPIC_PREFIX": prefix,
        "HOPPID_INTAKE_ADMIN_KEY": "local-demo-platform-admin-key",
        "HOPPID_INTAKE_SUBMISSIONS_PER_HOUR": "100000",
        "HOPPID_DEMO_KEYS_FILE": str(run_dir / "demo-keys.json"),
        "HOPPID_LINK_SECRET": uuid.uuid4().hex + uuid.uuid4().hex,
        "HOPPID_SCHEDULING_DEV_CLOCK_FILE": str(clock),
        "HOPPID_NOTIFICATIONS_DEVMAIL_DIR": str(run_dir / "devmail"),
        "HOPPID_NOTIFICATIONS_DEVMAIL_PORT": str(devmail_port),
        "HOPPID_NOTIFICATIONS_SMTP_PORT": str(devmail_port),
        "HOPPID_NOTIFICATIONS_DEV_MAILBOX": "true",
        "HOPPID_NOTIFICATIONS_SMS_OUTBOX_FILE": str(run_dir / "sms-outbox.jsonl"),
        "HOPPID_COOKIE_SECURE": "false",
        "HOPPID_NOTIFICATIONS_LINK_BASE_URL": f"{urls['intake']}/pages/me/",
        "HOPPID_NOTIFICATIONS_BOOKING_BASE_URL": f"{urls['scheduling']}/pages/me/",
        "HOPPID_NOTIFICATIONS_PREFERENCES_BASE_URL": f"{urls['notifications']}/pages/me/",
        "HOPPID_LOG_LEVEL": "WARNING",
    }
    for name, port in ports.items():
        env[f"HOPPID_{name.upper()}_PORT"] = str(port)
        env[f"HOPPID_{name.upper()}_PUBLIC_URL"] = urls[name]
    return env


def start(name: str, env: dict[str, str], port: int, run_dir: Path) -> Running:
    log = run_dir / f"{name}.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", f"hoppid.{name}.main"], env=env, stdout=out, stderr=out
        )
    return Running(name, port, process, log)


async def ready(service: Running, timeout: float = 180.0) -> float:
    """Seconds until /readyz says 200."""
    began = time.monotonic()
    async with httpx.AsyncClient(timeout=3) as client:
        while time.monotonic() - began < timeout:
            if service.process.poll() is not None:
                raise RuntimeError(f"{service.name} exited:\n{service.log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                answer = await client.get(f"http://127.0.0.1:{service.port}/readyz")
                if answer.status_code == 200:
                    return time.monotonic() - began
            await asyncio.sleep(0.5)
    raise TimeoutError(f"{service.name} not ready after {timeout:.0f} s")


def stop(service: Running) -> None:
    if service.process.poll() is None:
        service.process.terminate()
        try:
            service.process.wait(15)
        except subprocess.TimeoutExpired:
            service.process.kill()
            service.process.wait()


async def cleanup(prefix: str) -> None:
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(MONGODB_URL)
    try:
        for name in await mongo.list_database_names():
            if name.startswith(re.sub(r"[^A-Za-z0-9_-]", "_", prefix)):  # as settings name them
                await mongo.drop_database(name)
    finally:
        await mongo.close()
    from hoppid.shared.testing import delete_topics

    os.environ.setdefault("HOPPID_KAFKA_BOOTSTRAP_SERVERS", SERVERS)
    await delete_topics(prefix)


async def services_idle() -> tuple[dict[str, tuple[int, int]], dict[str, float]]:
    prefix = f"idlemem-{uuid.uuid4().hex[:8]}."
    ports = {name: free_port() for name in SERVICES}
    with tempfile.TemporaryDirectory(prefix="hoppid-idle-") as folder:
        run_dir = Path(folder)
        env = run_env(prefix, run_dir, ports)
        running = [start(name, env, ports[name], run_dir) for name in SERVICES]
        try:
            seconds = await asyncio.gather(*(ready(service) for service in running))
            await asyncio.sleep(SETTLE)
            found = {service.name: median_memory(service.process.pid) for service in running}
            for service in running:
                if "Traceback" in service.log.read_text():
                    print(service.log.read_text()[-3000:], file=sys.stderr)
        finally:
            for service in running:
                stop(service)
            await cleanup(prefix)
    return found, dict(zip(SERVICES, seconds, strict=True))


def mib(value: int) -> str:
    return f"{value / MIB:.1f}"


def main() -> None:
    bare = imported_memory("pass")
    peers = {}
    with tempfile.TemporaryDirectory(prefix="hoppid-idle-peers-") as folder:
        for name in SERVICES:
            libraries = libraries_of(name)
            peers[name] = (
                libraries,
                imported_memory(import_all(libraries, Path(folder))),
                imported_memory(f"import hoppid.{name}.main"),
            )
            packages = sorted({m.split(".")[0] for m in libraries})
            print(f"{name}: {len(libraries)} modules of {' '.join(packages)}", file=sys.stderr)
    idle, seconds = asyncio.run(services_idle())
    print(
        "| service | bare Python | its libraries imported | its code imported | "
        "service idle (RSS) | of which anonymous | idle ÷ libraries | ready after s |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name in SERVICES:
        libraries, libs, code = peers[name]
        rss, anon = idle[name]
        print(
            f"| {name} | {mib(bare[0])} | {mib(libs[0])} | {mib(code[0])} | "
            f"{mib(rss)} | {mib(anon)} | {rss / libs[0]:.2f} | {seconds[name]:.1f} |"
        )
    print()
    print(
        "MiB (VmRSS); third-party modules each service's code loads (what its peer imports): "
        + "; ".join(f"{name} {len(peers[name][0])}" for name in SERVICES)
        + f". Settled {SETTLE:.0f} s after every service was ready."
    )


if __name__ == "__main__":
    main()
