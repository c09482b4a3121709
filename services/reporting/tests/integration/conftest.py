"""The ``reporting`` fixture: a fresh reporting process, database and topics for each test."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from reporting_support import Reporting, reporting_env, started

from hoppid.shared.testing import ServiceProcess


@pytest.fixture
async def reporting(topic_prefix: str, unique: str, database: Any) -> AsyncIterator[Reporting]:
    service = ServiceProcess("reporting", reporting_env(topic_prefix, unique))
    try:  # stopped also when it never gets ready, so no process outlives its test
        await started(service)
        async with httpx.AsyncClient(base_url=service.url, timeout=30) as client:
            yield Reporting(service, client, topic_prefix, database.name)
    finally:
        await service.stop()
