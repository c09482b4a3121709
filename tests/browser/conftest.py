"""Fixtures of the browser tests: the whole platform with its development mailbox, and a
headless Chromium shared by the tests of a session."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from browser_support import WebPlatform, chromium, wait_ready
from platform_support import SERVICES


@pytest.fixture
async def web_platform(topic_prefix: str, unique: str, mongo: Any) -> AsyncIterator[WebPlatform]:
    platform = WebPlatform(topic_prefix, unique)
    try:
        await platform.start_devmail()
        for name in SERVICES:
            await platform.start(name)
        await wait_ready(platform)
        yield platform
    finally:
        await platform.stop_and_drop(mongo)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    async with chromium() as launched:
        yield launched
