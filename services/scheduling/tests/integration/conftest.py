"""The ``scheduling`` fixture: a fresh scheduling process, database and topics for each test."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from scheduling_support import Scheduling, scheduling_env, started

from hoppid.shared.testing import ServiceProcess


@pytest.fixture
async def scheduling(topic_prefix: str, unique: str, database: Any) -> AsyncIterator[Scheduling]:
    service = await started(ServiceProcess("scheduling", scheduling_env(topic_prefix, unique)))
    try:
        async with httpx.AsyncClient(base_url=service.url, timeout=30) as client:
            yield Scheduling(
                service, client, f"{topic_prefix}hoppid.scheduling", f"{topic_prefix}hoppid.intake"
            )
    finally:
        await service.stop()
