"""One inquiry on an idle platform: from ``POST /v1/inquiries`` to the receipt in the mailbox.

intake and notifications run as their own processes (one worker each, log level warning, fresh
databases and topics, one vault database between them as in production) against the local
stack's Kafka and store; an aiosmtpd server in this process is notifications's mail server and
notes when each mail arrives. After ``WARMUP`` inquiries (each waited for), ``INQUIRIES`` are
sent one at a time, the next once the previous receipt is in: each is timed from the request to
the mail (intake's answer, its outbox relay, Kafka, notifications's consumer and handler, SMTP),
and its answer alone.

Run with the stack up: ``python bench/inquiry_to_mailbox.py [INQUIRIES]`` (20 by default).
Prints a table; databases and topics are removed at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from notifications_throughput import (
    CountingHandler,
    percentile,
    smtp_server,
)

from hoppid.shared.testing import ServiceProcess, delete_topics, eventually, public_inquiry

SERVERS = os.environ.get("HOPPID_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
MONGODB_URL = os.environ.get("HOPPID_MONGODB_URL", "mongodb://127.0.0.1:27017/")
WARMUP = 5


def inquiry(tag: str, n: int) -> dict[str, Any]:
    return public_inquiry(
        email=f"kari.{tag}{n}@example.no", idea=f"idea {tag}{n}: a bakery with a café"
    )


async def ready(service: ServiceProcess) -> None:
    async with httpx.AsyncClient(base_url=service.url, timeout=5) as client:

        async def answered() -> bool:
            return (await client.get("/readyz")).status_code == 200

        await eventually(answered, timeout=120, what=f"{service.name} ready")


async def one(
    client: httpx.AsyncClient, handler: CountingHandler, tag: str, n: int
) -> tuple[float, float]:
    """(seconds to intake's answer, seconds to the receipt in the mailbox)."""
    body = inquiry(tag, n)
    started = time.time()
    response = await client.post("/v1/inquiries", json=body)
    answered = time.time() - started
    assert response.status_code == 201, response.text

    def arrived() -> float | None:
        times = [m.at for m in handler.arrived if body["email"] in m.rcpt_tos]
        return times[0] if times else None

    async def mailed() -> bool:
        return arrived() is not None

    await eventually(mailed, timeout=120, interval=0.005, what=f"the receipt of {n}")
    at = arrived()
    assert at is not None
    return answered, at - started


async def main(count: int) -> None:
    run_id = uuid.uuid4().hex[:8]
    prefix = f"bench-{run_id}."
    names = [f"bench_{what}_{run_id}" for what in ("intake", "notifications", "vault")]
    secret = uuid.uuid4().hex
    common = {
        "HOPPID_KAFKA_BOOTSTRAP_SERVERS": SERVERS,
        "HOPPID_MONGODB_URL": MONGODB_URL,
        "HOPPID_TOPIC_PREFIX": prefix,
        "HOPPID_VAULT_DATABASE": names[2],
        "HOPPID_LOG_LEVEL": "WARNING",
        "HOPPID_LINK_SECRET": secret,
    }
    handler = CountingHandler()
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(MONGODB_URL)
    services: list[ServiceProcess] = []
    try:
        async with smtp_server(handler) as smtp_port:
            notifications = ServiceProcess(
                "notifications",
                {
                    **common,
                    "HOPPID_DATABASE": names[1],
                    "HOPPID_NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
                    "HOPPID_NOTIFICATIONS_SMTP_PORT": str(smtp_port),
                    "HOPPID_NOTIFICATIONS_DIGEST_AT": "23:59",
                },
            )
            intake = ServiceProcess(
                "intake",
                {**common, "HOPPID_DATABASE": names[0], "HOPPID_INTAKE_ADMIN_KEY": secret},
            )
            for service in (notifications, intake):
                services.append(await service.start())
                await ready(service)
            async with httpx.AsyncClient(base_url=intake.url, timeout=60) as client:
                for n in range(WARMUP):
                    await one(client, handler, "warm", n)
                timed = [await one(client, handler, "", n) for n in range(count)]
        print(row("intake's answer (POST /v1/inquiries)", [a for a, _ in timed]))
        print(row("inquiry to the receipt in the mailbox", [m for _, m in timed]))
    finally:
        for service in services:
            await service.stop()
        for name in names:
            with contextlib.suppress(Exception):
                await mongo.drop_database(name)
        await mongo.close()
        with contextlib.suppress(Exception):
            await delete_topics(prefix)


def row(path: str, seconds: list[float]) -> str:
    p50, p99 = (percentile(seconds, f) * 1000 for f in (0.5, 0.99))
    return f"| {path} | {len(seconds)} | {p50:.0f} | {p99:.0f} | {max(seconds) * 1000:.0f} |"


if __name__ == "__main__":
    print("| path | inquiries, one at a time | p50 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    asyncio.run(
        main(int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("INQUIRIES", 20)))
    )
