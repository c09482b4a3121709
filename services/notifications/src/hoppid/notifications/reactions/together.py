"""Independent steps of one event, run at once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable


async def together(*steps: Awaitable[None]) -> None:
    """Run independent steps of one event concurrently (their store round-trips overlap).

    Every step runs to its end even when another fails (a send is never cut off between its
    claim and its record); then the first failure is raised, and the event comes again: each
    step is idempotent (claims, newest-version copies)."""
    results = await asyncio.gather(*steps, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
