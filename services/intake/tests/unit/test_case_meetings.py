"""The case meetings' projection without I/O: the order keys its guarded changes carry (so the
store keeps the latest whatever order and however often events come), and "my day"'s Oslo
bounds from an injected moment."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from hoppid.contracts import scheduling as ev
from hoppid.intake.meetings.my_day import asked_day, window
from hoppid.intake.meetings.projection import Change, changes
from hoppid.intake.meetings.shown import when

AT = datetime(2027, 3, 10, 8, 0, tzinfo=UTC)
IDS = {"booking_id": "b-1", "office_id": "nordveggen", "case_id": "c-1", "person_id": "p-1"}


def booked(sequence: int | None = 0, **changes: Any) -> ev.MeetingBooked:
    fields: dict[str, Any] = {
        **IDS,
        "advisor_id": "adv-ingrid",
        "meeting_type": "first_guidance",
        "mode": "digital",
        "start": AT + timedelta(days=1),
        "end": AT + timedelta(days=1, hours=1),
        "booked_by": "staff",
        "booked_at": AT,
        "sequence": sequence,
    }
    return ev.MeetingBooked(**{**fields, **changes})


def moved(sequence: int | None, hours: int) -> ev.MeetingRescheduled:
    return ev.MeetingRescheduled(
        **IDS,
        advisor_id="adv-per",
        previous_advisor_id="adv-ingrid",
        start=AT + timedelta(days=2, hours=hours),
        end=AT + timedelta(days=2, hours=hours + 1),
        previous_start=AT + timedelta(days=1),
        rescheduled_by="entrepreneur",
        rescheduled_at=AT + timedelta(hours=hours),
        sequence=sequence,
    )


def held(at: datetime) -> ev.MeetingHeld:
    common = {"advisor_id": "adv-per", "meeting_type": "first_guidance"}
    return ev.MeetingHeld(**IDS, **common, start=AT + timedelta(days=2), recorded_at=at)


def cancelled(sequence: int | None) -> ev.MeetingCancelled:
    return ev.MeetingCancelled(
        **IDS,
        advisor_id="adv-per",
        start=AT + timedelta(days=2),
        reason="entrepreneur",
        cancelled_by="entrepreneur",
        cancelled_at=AT + timedelta(hours=9),
        sequence=sequence,
    )


def part(event: Any, key_field: str) -> Change:
    (change,) = [c for c in changes(event) if c.key_field == key_field]
    return change


def test_each_change_ranks_above_the_one_before_it_in_the_meeting_s_life() -> None:
    life = [booked(0), moved(1, 3), moved(2, 1)]  # the second move was made earlier in time
    times = [part(e, "times_key").key for e in life]
    assert times == sorted(times) and len(set(times)) == 3  # the sequence decides
    statuses = [part(e, "status_key").key for e in [*life, held(AT + timedelta(days=3))]]
    assert statuses == sorted(statuses)
    final = part(held(AT + timedelta(days=3)), "status_key")
    assert final.fields["status"] == "held" and final.if_new["start"] == AT + timedelta(days=2)


def test_a_final_status_outranks_a_reschedule_that_arrives_after_it() -> None:
    late_move = part(moved(7, 1), "status_key")
    assert part(cancelled(2), "status_key").key > late_move.key
    assert part(held(AT), "status_key").key > late_move.key  # even one recorded before it


def test_a_duplicate_carries_the_same_key_and_changes_nothing_more() -> None:
    assert changes(moved(1, 3)) == changes(moved(1, 3))
    assert changes(booked(0)) == changes(booked(0))


def test_events_without_a_sequence_are_ordered_by_their_time() -> None:
    old_booking, old_move = booked(None), moved(None, 2)
    assert part(old_move, "times_key").key > part(old_booking, "times_key").key
    assert part(moved(None, 1), "times_key").key < part(old_move, "times_key").key


def test_a_move_keeps_the_mode_when_its_event_names_none() -> None:
    assert "mode" not in part(moved(1, 1), "times_key").fields
    fields = part(booked(), "times_key").fields
    assert fields["mode"] == "digital" and fields["meeting_type"] == "first_guidance"
    assert {c.booking_id for c in changes(booked())} == {"b-1"}


def test_other_events_change_nothing() -> None:
    reminder = ev.ReminderDue(
        **IDS, kind="24h", advisor_id="a", mode="digital", start=AT, end=AT, due_at=AT
    )
    assert changes(reminder) == []


def test_my_day_runs_from_oslo_midnight_to_oslo_midnight() -> None:
    late_evening = datetime(2027, 3, 10, 23, 30, tzinfo=UTC)  # 00:30 on the 11th in Oslo
    bounds = window(late_evening)
    assert bounds.day == date(2027, 3, 11)
    assert bounds.start == datetime(2027, 3, 10, 23, 0, tzinfo=UTC)
    assert bounds.tomorrow == datetime(2027, 3, 11, 23, 0, tzinfo=UTC)
    assert bounds.week_end == datetime(2027, 3, 14, 23, 0, tzinfo=UTC)  # Monday the 15th
    assert bounds.due_last == date(2027, 3, 25)


def test_the_day_the_clocks_go_back_has_25_hours() -> None:
    bounds = window(AT, date(2026, 10, 25))
    assert bounds.tomorrow - bounds.start == timedelta(hours=25)
    assert bounds.week_end == bounds.tomorrow  # a Sunday: the week ends with it


def test_the_asked_day_is_checked() -> None:
    assert asked_day(None) is None and asked_day("") is None
    assert asked_day("2027-03-11") == date(2027, 3, 11)
    for wrong in ("11.03.2027", "2027-02-30", "9999-12-31"):
        try:
            asked_day(wrong)
        except ValueError as error:
            assert str(error) == "day"
        else:
            raise AssertionError(wrong)


def test_times_are_shown_in_oslo() -> None:
    summer = {
        "start": datetime(2027, 6, 1, 8, tzinfo=UTC),
        "end": datetime(2027, 6, 1, 9, tzinfo=UTC),
    }
    assert when(summer) == "01.06.2027 10:00\u201311:00"
    assert when({"start": datetime(2027, 1, 5, 8, tzinfo=UTC)}) == "05.01.2027 09:00"
