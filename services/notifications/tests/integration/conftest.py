"""Fixtures: a real SMTP server on loopback, the notifications process pointed at it, and
producers that play intake and scheduling. Each test has its own topics and database."""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from notifications_support import (
    IntakeEvents,
    RecordingHandler,
    SchedulingEvents,
    SmtpServer,
    notifications_env,
    started,
)

from hoppid.shared.testing import ServiceProcess


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer(RecordingHandler()) as server:
        yield server


@pytest.fixture
async def notifications(
    topic_prefix: str, unique: str, database: Any, smtp: SmtpServer
) -> AsyncIterator[ServiceProcess]:
    service = ServiceProcess("notifications", notifications_env(topic_prefix, unique, smtp.port))
    await started(service)
    try:
        yield service
    finally:
        await service.stop()
    assert "Traceback" not in service.log_text()


@pytest.fixture
async def intake_events(topic_prefix: str, database: Any) -> AsyncIterator[IntakeEvents]:
    async with IntakeEvents(topic_prefix, database) as events:
        yield events


@pytest.fixture
async def scheduling_events(topic_prefix: str, database: Any) -> AsyncIterator[SchedulingEvents]:
    async with SchedulingEvents(topic_prefix, database) as events:
        yield events
