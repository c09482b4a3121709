"""Liveness and readiness.

``/healthz`` answers as long as the process runs. ``/readyz`` asks Kafka and the store right now
(each with a short timeout) and whether the service's consumers have started: 200 when all
answer, 503 naming what does not. Neither ever crashes the service: an outage is reported, not
fatal, and the service recovers by itself when the server returns.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiokafka.client import AIOKafkaClient
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pymongo import AsyncMongoClient

from hoppid.shared.kafka import KafkaSecurity, client_options

Check = Callable[[], Awaitable[None]]


def kafka_check(
    bootstrap_servers: str, timeout_seconds: float, security: KafkaSecurity | None = None
) -> Check:
    async def check() -> None:
        # a fresh client each time: the long-lived ones reconnect quietly and would hide an outage
        client = AIOKafkaClient(
            **client_options(
                bootstrap_servers, security, request_timeout_ms=int(timeout_seconds * 1000)
            )
        )
        try:
            await client.bootstrap()
        finally:
            await client.close()

    return check


def mongo_check(client: AsyncMongoClient[Any]) -> Check:
    async def check() -> None:
        await client.admin.command("ping")

    return check


def flag_check(is_set: Callable[[], bool], what: str) -> Check:
    async def check() -> None:
        if not is_set():
            raise RuntimeError(f"{what} not started yet")

    return check


async def evaluate(checks: Mapping[str, Check], timeout_seconds: float) -> dict[str, str]:
    """Run the checks at once; each gives "ok" or what went wrong."""

    async def one(check: Check) -> str:
        try:
            await asyncio.wait_for(check(), timeout_seconds)
        except TimeoutError:
            return f"no answer within {timeout_seconds:g}s"
        except Exception as error:
            return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        return "ok"

    results = await asyncio.gather(*(one(check) for check in checks.values()))
    return dict(zip(checks, results, strict=True))


def health_router(checks: Mapping[str, Check], timeout_seconds: float) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", summary="Kafka and the store answer, consumers run")
    async def readyz() -> JSONResponse:
        results = await evaluate(checks, timeout_seconds)
        ready = all(result == "ok" for result in results.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": results},
            status_code=200 if ready else 503,
        )

    return router
