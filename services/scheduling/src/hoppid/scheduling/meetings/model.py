"""Free times, pure: the cells a booking occupies (what the store's unique index guards), the
slots of an advisor's working windows, and the fair choice of an advisor. No I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from hoppid.scheduling.advisors.model import Advisor, Hours, Place, speaks
from hoppid.scheduling.model import days, oslo_instant
from hoppid.scheduling.offices.rules import OfficeRules

Mode = Literal["in_person", "digital"]
MeetingType = Literal["first_guidance", "follow_up"]

# Everything in time is a multiple of one cell: a booking claims every cell it covers (with its
# buffer), and the store refuses a second claim of a cell, so overlapping bookings cannot both win.
CELL = timedelta(minutes=15)
SLOT_STEP = timedelta(minutes=30)  # free slots are offered every half hour of a working window


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    advisor_id: str
    mode: Mode


@dataclass(frozen=True)
class Search:
    first: date
    last: date
    meeting_type: MeetingType
    now: datetime
    language: str | None = None
    topic: str | None = None
    mode: Mode | None = None
    advisor_id: str | None = None
    limit: int = 20


def cells(start: datetime, end: datetime, buffer_minutes: int) -> list[datetime]:
    """The cells a meeting occupies, its buffer after it included (start and end on cells)."""
    stop = end + timedelta(minutes=buffer_minutes)
    covered, cell = [], start
    while cell < stop:
        covered.append(cell)
        cell += CELL
    return covered


def on_cell(instant: datetime) -> bool:
    return instant.timestamp() % CELL.total_seconds() == 0


def modes_at(place: Place) -> tuple[Mode, ...]:
    # on office days an advisor meets people at the office or by video; on digital days by video
    return ("in_person", "digital") if place == "office" else ("digital",)


def fits(advisor: Advisor, search: Search) -> bool:
    return (
        (search.advisor_id is None or advisor.id == search.advisor_id)
        and (search.language is None or speaks(advisor, search.language))
        and (search.topic is None or search.topic in advisor.topics)
    )


def _starts(day: date, hours: Hours, length: timedelta) -> Iterator[tuple[datetime, datetime]]:
    """(start, end) in UTC of each meeting of ``length`` fitting in the window on ``day``.

    The window's ends are wall-clock times in Oslo; between them time runs in real (UTC) steps,
    so on the day the clocks go forward the window is an hour shorter, on the day they go back
    an hour longer, and no start falls in the hour that does not exist."""
    first, last = oslo_instant(day, hours.start), oslo_instant(day, hours.end)
    if first is None or last is None:
        return
    start = first
    while start + length <= last:
        yield start, start + length
        start += SLOT_STEP


Window = tuple[datetime, datetime, Mode]


class _Calendar:
    """What one search works out once and every advisor shares: which days the office is
    closed, its opening hours of a day in UTC, and the starts of a working window on a day.
    The same rules as computing them per advisor and slot, only not again and again."""

    def __init__(self, rules: OfficeRules, length: timedelta) -> None:
        self.rules = rules
        self.length = length
        # the cells a meeting starting at 0 covers (its buffer after it included)
        epoch = datetime(2000, 1, 1, tzinfo=UTC)
        self.offsets = tuple(c - epoch for c in cells(epoch, epoch + length, rules.buffer_minutes))
        self._closed: dict[date, bool] = {}
        self._opening: dict[date, tuple[tuple[datetime, datetime], ...]] = {}
        self._starts: dict[tuple[date, time, time], tuple[tuple[datetime, datetime], ...]] = {}
        self._windows: dict[tuple[date, Hours], tuple[tuple[datetime, datetime, Mode], ...]] = {}

    def closed_on(self, day: date) -> bool:
        if day not in self._closed:
            self._closed[day] = self.rules.closed_on(day)
        return self._closed[day]

    def starts(self, day: date, hours: Hours) -> tuple[tuple[datetime, datetime], ...]:
        key = (day, hours.start, hours.end)
        if key not in self._starts:
            self._starts[key] = tuple(_starts(day, hours, self.length))
        return self._starts[key]

    def open_during(self, day: date, start: datetime, end: datetime) -> bool:
        """``OfficeRules.open_during`` with the day's opening hours turned into UTC once."""
        if day not in self._opening:
            spans = []
            for weekday, opens, closes in self.rules.opening:
                first, last = oslo_instant(day, opens), oslo_instant(day, closes)
                if weekday == day.weekday() and first is not None and last is not None:
                    spans.append((first, last))
            self._opening[day] = tuple(spans)
        return any(first <= start and end <= last for first, last in self._opening[day])

    def modes(self, day: date, hours: Hours, wanted: Mode | None) -> Iterator[Window]:
        """(start, end, mode) of each meeting in the window, in the most natural mode the
        search allows then (at the office if it is open, else by video), or none."""
        key = (day, hours)
        if key not in self._windows:
            self._windows[key] = tuple(
                (start, end, "in_person" if self.open_during(day, start, end) else "digital")
                for start, end in self.starts(day, hours)
            )
        natural = modes_at(hours.place)
        for start, end, mode in self._windows[key]:
            if mode not in natural:  # a video day: by video even while the office is open
                mode = "digital"
            if wanted is None or wanted == mode:
                yield start, end, mode
            elif wanted == "digital" and "digital" in natural:
                yield start, end, "digital"

    def blocked(self, busy: set[datetime]) -> set[datetime]:
        """The starts whose meeting (with its buffer) would cover a busy cell: a start is taken
        when ``start + offset`` is busy for any offset, i.e. when it is ``cell - offset``."""
        return {cell - offset for cell in busy for offset in self.offsets}


def _free_times(
    calendar: _Calendar, advisor: Advisor, blocked: set[datetime], search: Search, day: date
) -> Iterator[Window]:
    """One advisor's free (start, end, mode) on one day, in the search's mode if it has one."""
    if calendar.closed_on(day) or advisor.absent_on(day):
        return
    earliest = search.now + timedelta(hours=calendar.rules.minimum_notice_hours)
    for hours in advisor.hours:
        if hours.weekday != day.weekday():
            continue
        for start, end, mode in calendar.modes(day, hours, search.mode):
            if start >= earliest and start not in blocked:
                yield start, end, mode  # one per advisor and time: the most natural mode


def advisor_slots(
    rules: OfficeRules,
    advisor: Advisor,
    busy: set[datetime],
    search: Search,
    calendar: _Calendar | None = None,
) -> Iterator[Slot]:
    """Every free slot of one advisor in the search's range (its filters applied)."""
    calendar = calendar or _Calendar(rules, rules.duration(search.meeting_type))
    blocked = calendar.blocked(busy)
    for day in days(search.first, search.last):
        for start, end, mode in _free_times(calendar, advisor, blocked, search, day):
            yield Slot(start, end, advisor.id, mode)


def least_loaded(candidates: Iterable[str], loads: Mapping[str, int]) -> str:
    """Fair assignment: the matching advisor with the fewest upcoming meetings (then by id)."""
    return min(candidates, key=lambda advisor_id: (loads.get(advisor_id, 0), advisor_id))


def free_slots(
    rules: OfficeRules,
    advisors: Iterable[Advisor],
    busy: Mapping[str, set[datetime]],
    loads: Mapping[str, int],
    search: Search,
) -> list[Slot]:
    """Free times, earliest first, one per start time and mode: of the advisors free then, the
    least loaded one holds it. Day by day, the advisors taken least loaded first (so the first
    free at a time holds it), until the limit is reached."""
    calendar = _Calendar(rules, rules.duration(search.meeting_type))
    team = sorted(
        (a for a in advisors if fits(a, search)), key=lambda a: (loads.get(a.id, 0), a.id)
    )
    blocked = {a.id: calendar.blocked(busy.get(a.id, set())) for a in team}
    chosen: list[Slot] = []
    for day in days(search.first, search.last):
        held: dict[tuple[datetime, Mode], Slot] = {}
        for advisor in team:
            for start, end, mode in _free_times(
                calendar, advisor, blocked[advisor.id], search, day
            ):
                if (start, mode) not in held:
                    held[start, mode] = Slot(start, end, advisor.id, mode)
        chosen += [held[key] for key in sorted(held)]
        if len(chosen) >= search.limit:
            break
    return chosen[: search.limit]


def free_at(
    rules: OfficeRules,
    advisors: Iterable[Advisor],
    busy: Mapping[str, set[datetime]],
    loads: Mapping[str, int],
    search: Search,
    start: datetime,
    prefer: str | None = None,
) -> list[Slot]:
    """The slots starting exactly at ``start`` (one per free matching advisor), in the order to
    try them: the preferred advisor first (rescheduling keeps the advisor), then the fairest."""
    calendar = _Calendar(rules, rules.duration(search.meeting_type))
    found = [
        slot
        for advisor in advisors
        if fits(advisor, search)
        for slot in advisor_slots(rules, advisor, busy.get(advisor.id, set()), search, calendar)
        if slot.start == start
    ]
    return sorted(
        found, key=lambda s: (s.advisor_id != prefer, loads.get(s.advisor_id, 0), s.advisor_id)
    )
