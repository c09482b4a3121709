"""TtlCache: a value read once serves until it expires; a forget drops it, also mid-read."""

import asyncio

from hoppid.shared.cache import TtlCache


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_a_value_is_read_once_until_it_expires() -> None:
    ticks, reads = Ticks(), []

    async def load() -> int:
        reads.append(ticks.now)
        return len(reads)

    cache: TtlCache[str, int] = TtlCache(10.0, ticks)
    assert [await cache.get("k", load) for _ in range(3)] == [1, 1, 1]
    ticks.now = 9.9
    assert await cache.get("k", load) == 1
    ticks.now = 10.0
    assert await cache.get("k", load) == 2
    assert reads == [0.0, 10.0]


async def test_forget_reads_again_and_a_read_begun_before_it_is_not_kept() -> None:
    cache: TtlCache[str, str] = TtlCache(10.0, Ticks())
    gate = asyncio.Event()

    async def slow_old() -> str:
        await gate.wait()
        return "old"

    async def new() -> str:
        return "new"

    reading = asyncio.create_task(cache.get("k", slow_old))
    await asyncio.sleep(0)
    cache.forget()  # a change made while the read was on its way
    gate.set()
    assert await reading == "old"  # its caller gets it ...
    assert await cache.get("k", new) == "new"  # ... but it was not kept
    cache.forget()
    assert await cache.get("k", slow_old) == "old"  # gate is open: read again after forget
