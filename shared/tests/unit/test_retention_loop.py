"""The retention jobs' loop: each pass gets the moment of the clock it was given, a failed pass
is logged and the next turn comes anyway."""

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest

from hoppid.shared.retention import run_daily

START = datetime(2031, 3, 30, 1, 30, tzinfo=UTC)


async def test_each_pass_judges_by_the_injected_clock_and_a_failure_does_not_stop_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    moments = iter(START + timedelta(days=n) for n in range(100))
    seen: list[datetime] = []
    three = asyncio.Event()

    async def one_pass(now: datetime) -> Mapping[str, int]:
        seen.append(now)
        if len(seen) == 3:
            three.set()
        if len(seen) == 2:
            raise RuntimeError("store away")
        return {"erased": len(seen)}

    job = asyncio.create_task(run_daily(one_pass, lambda: next(moments), every_seconds=0))
    await asyncio.wait_for(three.wait(), timeout=30)
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    assert seen[:3] == [START, START + timedelta(days=1), START + timedelta(days=2)]
    assert "retention pass failed, will retry: store away" in caplog.text
