"""The ``intake`` fixture: a fresh intake process, database and topics for each test."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from intake_support import Intake, intake_env, started

from hoppid.shared.testing import ServiceProcess


@pytest.fixture
async def intake(topic_prefix: str, unique: str, database: Any) -> AsyncIterator[Intake]:
    service = await started(ServiceProcess("intake", intake_env(topic_prefix, unique)))
    try:
        async with httpx.AsyncClient(base_url=service.url, timeout=30) as client:
            yield Intake(service, client, f"{topic_prefix}hoppid.intake", database.name)
    finally:
        await service.stop()
