"""What every part of the demo shares: where the services are, and scheduling's clock.

The demo only talks to the services' public HTTP APIs. Time is the one thing it moves by other
means: scheduling's development clock (``hoppid.shared.clock``), a file holding the seconds that
scheduling adds to the real time. ``make run`` gives scheduling such a file in its run folder;
the demo reads it to know scheduling's "now" and writes it to let days pass.
"""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

INTAKE = os.environ.get("HOPPID_DEMO_INTAKE_URL", "http://127.0.0.1:8001")
SCHEDULING = os.environ.get("HOPPID_DEMO_SCHEDULING_URL", "http://127.0.0.1:8002")
NOTIFICATIONS = os.environ.get("HOPPID_DEMO_NOTIFICATIONS_URL", "http://127.0.0.1:8003")
KEYS_FILE = Path(os.environ.get("HOPPID_DEMO_KEYS_FILE", ".stack/demo-keys.json"))
# the development mailbox answers make run's platform admin key only (scripts/demo.sh sets it)
MAILBOX_KEY = os.environ.get("HOPPID_NOTIFICATIONS_ADMIN_KEY", "local-demo-platform-admin-key")
CLOCK_SETTING = "HOPPID_SCHEDULING_DEV_CLOCK_FILE"
OSLO = ZoneInfo("Europe/Oslo")


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def oslo(day: date, hour: int, minute: int = 0) -> datetime:
    """An Oslo wall-clock time on ``day`` as an aware instant."""
    return datetime.combine(day, time(hour, minute), tzinfo=OSLO)


def weekday_from(day: date) -> date:
    """``day``, or the Monday after it when it falls on a weekend."""
    return day + timedelta(days=max(0, 7 - day.weekday()) if day.weekday() >= 5 else 0)


class SchedulingClock:
    """scheduling's development clock, as the demo sees and moves it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def from_environment(cls) -> SchedulingClock:
        """The clock file make run gave scheduling; without it no meeting can be marked held
        (only a started meeting can), so the demo refuses rather than skip that part."""
        setting = os.environ.get(CLOCK_SETTING, "")
        if not setting:
            raise SystemExit(
                f"{CLOCK_SETTING} is not set: the demo moves scheduling's development clock to "
                "hold meetings and sessions. Run it with make demo (which passes make run's "
                "clock file), or set it to the file scheduling was started with."
            )
        return cls(Path(setting))

    def offset(self) -> float:
        """Seconds scheduling runs ahead of real time (a missing or empty file: none)."""
        text = self.path.read_text().strip() if self.path.exists() else ""
        return float(text or 0)

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.offset())

    def today(self) -> date:
        return self.now().astimezone(OSLO).date()

    async def move_to(self, instant: datetime) -> None:
        """Move scheduling's time on to ``instant`` (never back). scheduling re-reads the file
        when it changes; its pollers then send the reminders and release the desks now due."""
        if instant <= self.now():
            return
        seconds = (instant - datetime.now(UTC)).total_seconds()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(f"{seconds:.0f}\n")
        await asyncio.sleep(1.5)  # a new modification time, and scheduling has read it
