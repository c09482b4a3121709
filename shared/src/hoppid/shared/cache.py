"""A short-lived copy of what rarely changes (offices), so a hot path does not ask the store.

Each service keeps what it reads through :class:`TtlCache` for a few seconds. A change made by
this process forgets the entry at once (:meth:`TtlCache.forget`); a change made by another
instance is seen once the entry expires. A read that started before a ``forget`` is returned to
its caller but not kept, so a stale value never outlives the change that made it stale.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    def __init__(self, ttl_seconds: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.ttl_seconds = ttl_seconds
        self._monotonic = monotonic  # an interval clock, not the wall clock
        self._entries: dict[K, tuple[float, V]] = {}
        self._generation = 0  # moved on by every forget: reads begun before it are not kept

    async def get(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        """The kept value while it is fresh, else ``load()``'s (kept for ``ttl_seconds``)."""
        now = self._monotonic()
        kept = self._entries.get(key)
        if kept is not None and now - kept[0] < self.ttl_seconds:
            return kept[1]
        generation = self._generation
        value = await load()
        if generation == self._generation and self.ttl_seconds > 0:
            self._entries[key] = (now, value)
        return value

    def forget(self) -> None:
        """Drop everything kept (after a change this process made)."""
        self._generation += 1
        self._entries.clear()
