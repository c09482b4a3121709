"""The poller: sends what has become due (retries after a transient failure, SMS held over
the night), the advisors' daily digest once its time has come, and counts deliveries left
``sending`` by a crash."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from hoppid.notifications.context import Context
from hoppid.notifications.delivery.deliveries import attempt
from hoppid.notifications.delivery.digests import Digests
from hoppid.shared import polling

log = logging.getLogger("hoppid.notifications.scheduler")

STUCK_AFTER = timedelta(minutes=10)


async def run_due(ctx: Context) -> int:
    """One pass: each due delivery is claimed (scheduled -> sending) and attempted once."""
    now = ctx.now()
    sent = 0
    for delivery_id in await ctx.store.due(now):
        document = await ctx.store.take(delivery_id, now)
        if document is not None:
            await attempt(ctx, document)
            sent += 1
    ctx.metrics.stuck.set(await ctx.store.count_stuck(now - STUCK_AFTER))
    return sent


async def poll(ctx: Context, ready: Callable[[], bool], interval_seconds: float) -> None:
    """Until cancelled; waits while the store and broker are not connected yet."""
    digests = Digests()

    async def one_pass() -> None:
        await run_due(ctx)
        await digests.run(ctx)

    await polling.poll("scheduled deliveries pass", one_pass, interval_seconds, log, ready=ready)
