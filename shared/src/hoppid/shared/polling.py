"""One loop for every background pass of the services (reminders, due deliveries, link
requests, no-shows, export purges, retention): a pass, then the next one after the interval or
as soon as someone wakes it. A pass that fails is logged and tried at the next turn, so a store
or broker away for a moment never ends the job; cancelling it (the service stopping) does."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

OnePass = Callable[[], Awaitable[object]]


def _always() -> bool:
    return True


async def poll(
    what: str,
    one_pass: OnePass,
    interval_seconds: float,
    log: logging.Logger,
    *,
    wake: asyncio.Event | None = None,
    ready: Callable[[], bool] = _always,
) -> None:
    """Until cancelled: ``one_pass()`` whenever ``ready()``, then wait ``interval_seconds`` or
    until ``wake`` is set. ``what`` names the pass in the log line of a failure."""
    while True:
        if wake is not None:
            wake.clear()  # before the pass: a wake during it asks for one more
        if ready():
            try:
                await one_pass()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("%s failed, will retry: %s", what, error)
        if wake is None:
            await asyncio.sleep(interval_seconds)
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=interval_seconds)
