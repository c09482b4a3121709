"""The one place the platform reads the time: ``real_now``, and the clocks built on it.

Code that reasons about the time (quiet hours, opening hours, reminders, expiry) takes a clock
(``Clock``, a callable returning an aware UTC datetime) from its service's context, so a test
sets the time it means. Code that only stamps a record calls ``real_now``. Nothing else reads the
system clock (tests/test_one_clock.py checks it), and scripts/time_of_day.sh runs the tests that
touch the time of day on faked clocks (night, noon, the autumn DST change).

The development clock: UTC now, moved on by a number of seconds kept in a file.

A journey through a meeting's day (booked, reminded 24 h and 2 h before, held) cannot wait a day
in a test or a demo. A service given ``HOPPID_<SERVICE>_DEV_CLOCK_FILE`` reads the seconds to add
from that file (re-read when it changes), so a test moves the service's time on the way Stripe's
test clocks do, without touching its data. Production leaves the setting empty: real time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

log = logging.getLogger("hoppid.clock")

Clock = Callable[[], datetime]


def real_now() -> datetime:
    return datetime.now(UTC)


def as_utc(instant: datetime) -> datetime:
    """A time from an event's data in UTC. The store is read tz-aware (hoppid.shared.mongo),
    but an event's ``datetime`` fields accept a time sent without a zone; the contracts say
    their times are UTC, so such a time is read as UTC."""
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


class DevelopmentClock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: int | None = None
        self._offset = timedelta(0)

    def __call__(self) -> datetime:
        return real_now() + self._current_offset()

    def _current_offset(self) -> timedelta:
        try:
            changed = self.path.stat().st_mtime_ns
            if changed != self._seen:
                self._offset = timedelta(seconds=float(self.path.read_text().strip() or 0))
                self._seen = changed
                log.warning("development clock moved by %s", self._offset)
        except FileNotFoundError:
            self._offset = timedelta(0)
        except ValueError:
            log.error("development clock file %s holds no number of seconds", self.path)
        return self._offset


def clock(dev_clock_file: Path | None) -> Clock:
    """Real time, unless a development clock file is set."""
    if dev_clock_file is None:
        return real_now
    log.warning("using the development clock of %s: not for production", dev_clock_file)
    return DevelopmentClock(dev_clock_file)
