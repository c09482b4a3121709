"""The shared poll loop: a failed pass is logged and the loop goes on; a wake brings the next
pass at once; nothing runs while the service is not ready; cancelling ends it."""

import asyncio
import logging

import pytest

from hoppid.shared.polling import poll

log = logging.getLogger("hoppid.test.polling")
NEVER = 3600.0  # an interval no test waits for: only a wake can bring the next pass


async def _stopped(job: asyncio.Task[None]) -> None:
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job


async def test_a_failed_pass_is_logged_and_the_next_turn_comes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    passes = 0
    third = asyncio.Event()

    async def one_pass() -> None:
        nonlocal passes
        passes += 1
        if passes == 3:
            third.set()
        if passes == 1:
            raise RuntimeError("store away")

    job = asyncio.create_task(poll("the test pass", one_pass, 0, log))
    await asyncio.wait_for(third.wait(), timeout=30)
    await _stopped(job)
    assert "the test pass failed, will retry: store away" in caplog.text


async def test_a_wake_brings_the_next_pass_before_the_interval() -> None:
    wake = asyncio.Event()
    done = [asyncio.Event(), asyncio.Event()]
    passes = 0

    async def one_pass() -> None:
        nonlocal passes
        done[passes].set()
        passes += 1

    job = asyncio.create_task(poll("woken", one_pass, NEVER, log, wake=wake))
    await asyncio.wait_for(done[0].wait(), timeout=30)
    wake.set()
    await asyncio.wait_for(done[1].wait(), timeout=30)  # an hour early: the wake brought it
    await _stopped(job)
    assert passes == 2


async def test_no_pass_runs_until_the_service_is_ready() -> None:
    ready = False
    asked = asyncio.Event()
    ran = asyncio.Event()

    def is_ready() -> bool:
        asked.set()
        return ready

    async def one_pass() -> None:
        ran.set()

    wake = asyncio.Event()
    job = asyncio.create_task(poll("gated", one_pass, NEVER, log, wake=wake, ready=is_ready))
    await asyncio.wait_for(asked.wait(), timeout=30)
    assert not ran.is_set()
    ready = True
    wake.set()
    await asyncio.wait_for(ran.wait(), timeout=30)
    await _stopped(job)
