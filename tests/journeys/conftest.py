"""The journeys' fixtures: ``platform`` (all four services started by the test, their databases
and topics, an SMTP server) and ``running`` (`make run` itself, beside any running platform)."""

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from _pytest.nodes import Item
from _pytest.reports import TestReport
from make_run_support import RunningPlatform, start_make_run
from platform_support import SERVICES, Mailbox, Platform, start_smtp

LOG_LINES = 80  # of each service, in a failed journey's report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: Item, call: Any) -> Any:
    """A failed journey's report ends with the last lines each of its services logged: CI keeps
    nothing else of them, and a timeout alone does not say which service fell behind."""
    report: TestReport = yield
    platform = getattr(item, "funcargs", {}).get("platform")
    if report.failed and isinstance(platform, Platform):
        for name, service in platform.services.items():
            tail = "\n".join(service.log_text().splitlines()[-LOG_LINES:])
            report.sections.append((f"{name} log (last {LOG_LINES} lines)", tail))
    return report


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
        await platform.stop_and_drop(mongo)
        controller.stop()


@pytest.fixture
async def running(topic_prefix: str, tmp_path: Path, mongo: Any) -> AsyncIterator[RunningPlatform]:
    """`make run` with its own ports, topic prefix, databases and run folder; stopped like
    Ctrl-C, its databases dropped (the topic_prefix fixture deletes its topics)."""
    platform = await start_make_run(topic_prefix, tmp_path / "run")
    try:
        yield platform
    finally:
        if platform.process.returncode is None:
            await platform.stop_like_ctrl_c()
        safe = re.sub(r"[^A-Za-z0-9_-]", "_", topic_prefix)
        for name in await mongo.list_database_names():
            if name.startswith(safe):
                await mongo.drop_database(name)
