"""The ``platform`` fixture: all four services, their databases and topics, an SMTP server."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from platform_support import SERVICES, Mailbox, Platform, start_smtp


@pytest.fixture
async def platform(topic_prefix: str, unique: str, mongo: Any) -> AsyncIterator[Platform]:
    mailbox = Mailbox()
    controller, port = start_smtp(mailbox)
    platform = Platform(topic_prefix, unique, mailbox, port)
    try:
        for name in SERVICES:
            await platform.start(name)
        yield platform
    finally:
        await platform.stop()
        controller.stop()
        for name in platform.databases():
            await mongo.drop_database(name)
