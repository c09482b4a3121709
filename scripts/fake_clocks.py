"""The moments the time-of-day check runs the tests at, as libfaketime offsets from now.

Prints one line per moment: ``<name> <offset seconds> <the moment in Oslo>``. Every moment lies
in the past, because Kafka refuses records stamped more than an hour after the broker's clock
(``log.message.timestamp.after.max.ms``); the broker itself is not faked.

- ``sunday-night``: 02:30 Europe/Oslo on the latest Sunday before now (SMS quiet hours, a
  weekend, the day changing in UTC and in Oslo at different moments);
- ``weekday-noon``: 12:00 Europe/Oslo on the latest weekday before now (opening hours);
- ``dst-autumn``: 02:50 CEST on the latest last Sunday of October, ten minutes before the
  clocks go back, so the run crosses the repeated hour.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")


def latest(now: datetime, wanted: time, day_ok: Callable[[date], bool]) -> datetime:
    """The latest Oslo ``wanted`` time before ``now`` on a day for which ``day_ok(day)``."""
    day = now.astimezone(OSLO).date()
    while True:
        moment = datetime.combine(day, wanted, OSLO)
        if moment < now and day_ok(day):
            return moment
        day -= timedelta(days=1)


def autumn_change(year: int) -> date:
    """The last Sunday of October: the night Norway's clocks go back."""
    day = date(year, 10, 31)
    return day - timedelta(days=(day.weekday() - 6) % 7)


def before_autumn_change(now: datetime) -> datetime:
    year = now.astimezone(OSLO).year
    while True:
        # 02:50 CEST (UTC+2) is 00:50 UTC; written in UTC, as 02:50 Oslo time is ambiguous
        moment = datetime.combine(autumn_change(year), time(0, 50), UTC)
        if moment < now - timedelta(hours=1):
            return moment
        year -= 1


def moments(now: datetime) -> dict[str, datetime]:
    return {
        "sunday-night": latest(now, time(2, 30), lambda day: day.weekday() == 6),
        "weekday-noon": latest(now, time(12, 0), lambda day: day.weekday() < 5),
        "dst-autumn": before_autumn_change(now),
    }


def main() -> None:
    now = datetime.now(UTC)
    chosen = sys.argv[1:] or list(moments(now))
    for name, moment in moments(now).items():
        if name in chosen:
            offset = (moment - now).total_seconds()
            print(name, f"{offset:.0f}", moment.astimezone(OSLO).isoformat())


if __name__ == "__main__":
    main()
