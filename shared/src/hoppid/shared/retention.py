"""The retention jobs' loop: every service erases or anonymises what is past its retention
period in a pass of its own (``<service>.retention``), run by this loop once at start and then
once a day. The pass takes the moment it judges by, so a test calls it directly with the time it
means; the loop reads it from the service's clock. Passes are idempotent: two instances may run
them at once. What is kept how long, and why: docs/retention.md."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime

from hoppid.shared.clock import Clock
from hoppid.shared.polling import poll

log = logging.getLogger("hoppid.retention")

DAY_SECONDS = 24 * 3600.0

Pass = Callable[[datetime], Awaitable[Mapping[str, int]]]


async def run_daily(one_pass: Pass, now: Clock, every_seconds: float = DAY_SECONDS) -> None:
    """Until cancelled: a pass, then one every ``every_seconds``; a failed pass is logged and
    tried again at the next turn (what it did not reach is still past its period then)."""

    async def judged_now() -> None:
        counts = await one_pass(now())
        log.info("retention pass: %s", dict(counts))

    await poll("retention pass", judged_now, every_seconds, log)
