from datetime import UTC, date, datetime, time, timedelta

import pytest

from hoppid.scheduling.advisors.model import Advisor, Hours, check_hours
from hoppid.scheduling.meetings.model import Search, Slot, cells, free_at, free_slots, least_loaded
from hoppid.scheduling.model import (
    RuleViolation,
    easter_sunday,
    existing_oslo_instant,
    is_public_holiday,
    oslo_instant,
    public_holidays,
)
from hoppid.scheduling.offices.rules import OfficeRules, check_durations

# its outcome could depend on the hour, weekday or DST: scripts/time_of_day.sh
pytestmark = pytest.mark.time_of_day

# a Wednesday long before any of the days below: minimum notice never gets in the way
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def advisor(
    advisor_id: str = "a",
    *,
    weekdays: range = range(7),
    start: time = time(9),
    end: time = time(15),
    place: str = "office",
    languages: frozenset[str] = frozenset({"nb", "en"}),
    topics: frozenset[str] = frozenset({"grants"}),
    absences: tuple[tuple[date, date], ...] = (),
) -> Advisor:
    hours = tuple(Hours(w, start, end, place) for w in weekdays)  # type: ignore[arg-type]
    return Advisor(advisor_id, languages, topics, hours, absences)


def search(first: date, last: date | None = None, **changes: object) -> Search:
    values: dict[str, object] = {
        "first": first,
        "last": last or first,
        "meeting_type": "first_guidance",
        "now": LONG_AGO,
        "limit": 1000,
    }
    values.update(changes)
    return Search(**values)  # type: ignore[arg-type]


def slots(*team: Advisor, rules: OfficeRules | None = None, **query: object) -> list[Slot]:
    """Free slots of the team on 2 December 2026 (a Wednesday) unless ``first`` says otherwise."""
    first = query.pop("first", date(2026, 12, 2))
    assert isinstance(first, date)
    return free_slots(rules or OfficeRules(), team, {}, {}, search(first, **query))


EVERY_DAY = OfficeRules(opening=tuple((w, time(8), time(16)) for w in range(7)))


@pytest.mark.parametrize(
    ("year", "easter"),
    [(2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)), (2026, date(2026, 4, 5)),
     (2027, date(2027, 3, 28)), (2038, date(2038, 4, 25)), (2285, date(2285, 3, 22))],
)  # fmt: skip
def test_easter_sunday(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


def test_norwegian_public_holidays_2026() -> None:
    assert sorted(public_holidays(2026)) == [
        date(2026, 1, 1),
        date(2026, 4, 2),  # Maundy Thursday
        date(2026, 4, 3),  # Good Friday
        date(2026, 4, 5),
        date(2026, 4, 6),  # Easter Monday
        date(2026, 5, 1),
        date(2026, 5, 14),  # Ascension
        date(2026, 5, 17),
        date(2026, 5, 24),
        date(2026, 5, 25),  # Whit Monday
        date(2026, 12, 25),
        date(2026, 12, 26),
    ]
    assert not is_public_holiday(date(2026, 12, 24))  # Christmas Eve is a working day by law
    assert is_public_holiday(date(2027, 3, 25))  # Maundy Thursday 2027


def test_nine_in_oslo_is_eight_utc_in_winter_and_seven_in_summer() -> None:
    assert oslo_instant(date(2026, 12, 1), time(9)) == datetime(2026, 12, 1, 8, tzinfo=UTC)
    assert oslo_instant(date(2026, 6, 1), time(9)) == datetime(2026, 6, 1, 7, tzinfo=UTC)
    # the days the clocks change (last Sunday of March and of October, at 01:00 UTC)
    assert oslo_instant(date(2026, 3, 29), time(9)) == datetime(2026, 3, 29, 7, tzinfo=UTC)
    assert oslo_instant(date(2026, 10, 25), time(9)) == datetime(2026, 10, 25, 8, tzinfo=UTC)
    assert oslo_instant(date(2026, 3, 29), time(2, 30)) is None  # that time never happens
    assert oslo_instant(date(2026, 10, 25), time(2, 30)) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )  # it happens twice: the first (summer time)


def test_a_time_every_oslo_day_has_is_an_instant_and_a_skipped_one_an_error() -> None:
    spring = date(2026, 3, 29)  # the clocks go forward at 02:00
    assert existing_oslo_instant(spring, time(0)) == datetime(2026, 3, 28, 23, tzinfo=UTC)
    assert existing_oslo_instant(spring, time(8)) == datetime(2026, 3, 29, 6, tzinfo=UTC)
    with pytest.raises(ValueError, match="02:30:00 does not exist in Oslo on 2026-03-29"):
        existing_oslo_instant(spring, time(2, 30))


def test_slots_on_both_sides_of_the_spring_change() -> None:
    friday, monday = date(2026, 3, 27), date(2026, 3, 30)
    found = free_slots(OfficeRules(), [advisor(weekdays=range(5))], {}, {}, search(friday, monday))
    starts = [s.start for s in found if s.start.date() == friday]
    assert starts[0] == datetime(2026, 3, 27, 8, tzinfo=UTC)  # 09:00 CET
    monday_starts = [s.start for s in found if s.start.date() == monday]
    assert monday_starts[0] == datetime(2026, 3, 30, 7, tzinfo=UTC)  # 09:00 CEST
    # 09:00..15:00 for 60 minutes, every half hour: 09:00 ... 14:00
    assert len(starts) == len(monday_starts) == 11
    assert all(s.end - s.start == timedelta(minutes=60) for s in found)
    assert not [s for s in found if s.start.date() in (date(2026, 3, 28), date(2026, 3, 29))]


def test_a_window_across_the_change_lasts_real_hours() -> None:
    night = advisor(start=time(1), end=time(4))  # 01:00-04:00 is two real hours on 29 March
    spring = free_slots(EVERY_DAY, [night], {}, {}, search(date(2026, 3, 29), mode="digital"))
    assert [s.start.astimezone(UTC).time() for s in spring] == [time(0), time(0, 30), time(1)]
    # 01:00, 01:30 and 03:00 local (02:00-03:00 does not exist); 03:30 would end after 04:00
    autumn = free_slots(EVERY_DAY, [night], {}, {}, search(date(2026, 10, 25), mode="digital"))
    assert len(autumn) == 7  # four real hours: the hour 02:00-03:00 happens twice


def test_holidays_closed_days_absences_and_weekends_have_no_slots() -> None:
    weekdays = advisor(weekdays=range(5))
    rules = OfficeRules(closed_days=frozenset({date(2026, 12, 23)}))
    away = advisor("b", weekdays=range(5), absences=((date(2026, 12, 22), date(2026, 12, 22)),))
    found = free_slots(
        rules, [weekdays, away], {}, {}, search(date(2026, 12, 21), date(2026, 12, 27))
    )
    by_day: dict[date, set[str]] = {}
    for slot in found:
        by_day.setdefault(slot.start.date(), set()).add(slot.advisor_id)
    # 23rd closed, 25th/26th holidays, 27th a Sunday; only "a" on the 22nd (b is away)
    assert sorted(by_day) == [date(2026, 12, 21), date(2026, 12, 22), date(2026, 12, 24)]
    assert found[0].start == datetime(2026, 12, 21, 8, tzinfo=UTC)


def test_filters_language_topic_mode_and_advisor() -> None:
    nb = advisor("nb-only", languages=frozenset({"nb"}), topics=frozenset({"marketing"}))
    digital = advisor("digital", place="digital", languages=frozenset({"en"}))
    day = date(2026, 12, 2)
    both = [nb, digital]
    assert {
        s.advisor_id for s in free_slots(OfficeRules(), both, {}, {}, search(day, language="en"))
    } == {"digital"}
    assert {
        s.advisor_id
        for s in free_slots(OfficeRules(), both, {}, {}, search(day, topic="marketing"))
    } == {"nb-only"}
    in_person = free_slots(OfficeRules(), both, {}, {}, search(day, mode="in_person"))
    assert {(s.advisor_id, s.mode) for s in in_person} == {("nb-only", "in_person")}
    chosen = free_slots(OfficeRules(), both, {}, {}, search(day, advisor_id="digital"))
    assert {(s.advisor_id, s.mode) for s in chosen} == {("digital", "digital")}
    # an office-day advisor meets by video too
    video = free_slots(OfficeRules(), [nb], {}, {}, search(day, mode="digital"))
    assert video and all(s.mode == "digital" for s in video)  # fmt: skip


def test_in_person_only_while_the_office_is_open() -> None:
    late = advisor(start=time(14), end=time(18))
    found = slots(late)
    in_person = [s.end.time() for s in found if s.mode == "in_person"]
    assert in_person == [time(14), time(14, 30), time(15)]  # UTC: the office closes 16:00 Oslo
    assert {s.mode for s in found if s.end > datetime(2026, 12, 2, 15, tzinfo=UTC)} == {"digital"}


def test_booked_cells_and_the_buffer_block_overlapping_slots() -> None:
    start = datetime(2026, 12, 2, 9, tzinfo=UTC)  # 10:00 Oslo, a 60-minute meeting
    busy = {"a": set(cells(start, start + timedelta(hours=1), 15))}
    found = free_slots(OfficeRules(), [advisor()], busy, {}, search(date(2026, 12, 2)))
    starts = {s.start.astimezone(UTC).time() for s in found}
    # 08:00 UTC ends at 09:00 but its buffer reaches into the meeting; 10:00 starts in its buffer
    assert starts == {time(10, 30), time(11), time(11, 30), time(12), time(12, 30), time(13)}


def test_minimum_notice() -> None:
    now = datetime(2026, 12, 1, 10, tzinfo=UTC)
    rules = OfficeRules(minimum_notice_hours=24)
    found = free_slots(
        rules, [advisor()], {}, {}, search(date(2026, 12, 1), date(2026, 12, 2), now=now)
    )
    assert min(s.start for s in found) == datetime(2026, 12, 2, 10, tzinfo=UTC)


def test_fair_assignment_picks_the_least_loaded_advisor() -> None:
    assert least_loaded(["a", "b", "c"], {"a": 3, "b": 1, "c": 1}) == "b"
    team = [advisor("a"), advisor("b")]
    found = free_slots(
        OfficeRules(), team, {}, {"a": 2, "b": 5}, search(date(2026, 12, 2), limit=3)
    )
    assert [s.advisor_id for s in found] == ["a", "a", "a"]
    start = found[0].start
    busy = {"a": set(cells(start, start + timedelta(hours=1), 15))}
    found = free_slots(
        OfficeRules(), team, busy, {"a": 2, "b": 5}, search(date(2026, 12, 2), limit=1)
    )
    assert found[0].advisor_id == "b" and found[0].start == start  # a is busy: b takes it


def test_cells_cover_the_meeting_and_its_buffer() -> None:
    start = datetime(2026, 12, 2, 9, tzinfo=UTC)
    covered = cells(start, start + timedelta(minutes=30), 15)
    assert covered == [start + timedelta(minutes=m) for m in (0, 15, 30)]


def test_bad_hours_and_durations_name_the_field() -> None:
    with pytest.raises(RuleViolation) as raised:
        check_hours([Hours(0, time(10), time(9), "office")])
    assert raised.value.field == "weekly_hours"
    with pytest.raises(RuleViolation):
        check_hours([Hours(0, time(9, 10), time(10), "office")])
    with pytest.raises(RuleViolation) as raised:
        check_durations({"first_guidance": 50}, 15)
    assert raised.value.field == "first_guidance"


def test_free_at_prefers_the_given_advisor_then_the_fairest() -> None:
    team = [advisor("a"), advisor("b"), advisor("c")]
    start = datetime(2026, 12, 2, 9, tzinfo=UTC)
    query = search(date(2026, 12, 2), mode="digital")
    loads = {"a": 4, "b": 1, "c": 2}
    order = free_at(OfficeRules(), team, {}, loads, query, start)
    assert [s.advisor_id for s in order] == ["b", "c", "a"]
    kept = free_at(OfficeRules(), team, {}, loads, query, start, prefer="a")
    assert [s.advisor_id for s in kept] == ["a", "b", "c"]
    off_grid = free_at(OfficeRules(), team, {}, loads, query, start.replace(minute=10))
    assert off_grid == []


def test_reminders_are_planned_24h_and_2h_before_and_past_ones_dropped() -> None:
    from hoppid.scheduling.model import due_reminders, reminder_plan

    start = datetime(2026, 12, 10, 9, tzinfo=UTC)
    early = reminder_plan(start, datetime(2026, 12, 1, tzinfo=UTC))
    assert early.pending == ("24h", "2h")
    assert early.next_at == datetime(2026, 12, 9, 9, tzinfo=UTC)
    late = reminder_plan(start, datetime(2026, 12, 9, 23, tzinfo=UTC))  # booked 10 h ahead
    assert late.pending == ("2h",)
    assert late.next_at == datetime(2026, 12, 10, 7, tzinfo=UTC)
    assert reminder_plan(start, datetime(2026, 12, 10, 8, tzinfo=UTC)).next_at is None
    assert due_reminders(start, datetime(2026, 12, 9, 9, tzinfo=UTC), ("24h", "2h")) == ("24h",)
    assert due_reminders(start, datetime(2026, 12, 10, 7, tzinfo=UTC), ("2h",)) == ("2h",)
