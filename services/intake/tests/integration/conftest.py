"""The ``intake`` fixture: a fresh intake process, database and topics for each test."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from intake_support import Intake, running_intake


@pytest.fixture
async def intake(topic_prefix: str, unique: str, database: Any) -> AsyncIterator[Intake]:
    async with running_intake(topic_prefix, unique, database) as intake:
        yield intake
