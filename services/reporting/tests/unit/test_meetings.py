"""Meetings without I/O: contributions once the case is known, the first meeting, percentiles."""

from datetime import UTC, datetime

from hoppid.reporting.figures.waits import percentile, wait, wait_summary
from hoppid.reporting.projection.meetings import derive_meetings


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


OPENED = {
    "office": "molde",
    "municipality": "1506",
    "month": "2026-03",
    "at": at("2026-03-01T12:00"),
    "event": "e-open",
}


def booked(start: str, event: str = "e-book") -> dict[str, object]:
    return {"office": "molde", "month": "2026-03", "start": at(start), "event": event}


def test_meetings_count_once_the_case_is_known() -> None:
    meetings = {"b1": {"booked": booked("2026-03-03T12:00"), "held": booked("2026-03-03T12:00")}}
    assert derive_meetings({"meetings": meetings}) == []  # no municipality yet
    derived = derive_meetings({"opened": OPENED, "meetings": meetings})
    assert [(c.id, c.cell.id, dict(c.inc)) for c in derived] == [
        ("meeting_booked:b1", "molde|1506|2026-03", {"meetings_booked": 1}),
        ("meeting_held:b1", "molde|1506|2026-03", {"meetings_held": 1}),
    ]


def test_the_first_meeting_is_the_earliest_one_still_on() -> None:
    moves = {
        "e-late": {"start": at("2026-03-09T12:00"), "at": at("2026-03-02T10:00")},
        "e-early": {"start": at("2026-03-20T12:00"), "at": at("2026-03-02T09:00")},
    }
    meetings = {
        "b1": {"booked": booked("2026-03-02T12:00", "e-b1"), "cancelled": booked("2026-03-02")},
        "b2": {"booked": booked("2026-03-05T12:00", "e-b2"), "moved": moves},
    }
    # b1 was cancelled; b2 moved twice, the later move (by when it was made) counts: 8 days
    assert wait({"opened": OPENED, "meetings": meetings}) == (8.0, ("e-open", "e-b2", "e-late"))
    # it took place after all, even before the case was opened: the wait is 0, never below
    meetings["b1"]["missed"] = booked("2026-03-01T06:00", "e-missed")
    assert wait({"opened": OPENED, "meetings": meetings}) == (0.0, ("e-open", "e-b1", "e-missed"))
    assert wait({"meetings": meetings}) is None
    assert wait({"opened": OPENED, "meetings": {"b1": {"cancelled": booked("2026-03-02")}}}) is None


def test_median_and_nearest_rank_percentile() -> None:
    assert percentile([], 0.9) is None
    assert percentile([4.0], 0.9) == 4.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 0.9) == 9.0
    assert percentile([10.0, 1.5, 3.0, 7.0], 0.9) == 10.0
    assert wait_summary([10.0, 1.5, 3.0, 7.0]) == {
        "cases_with_first_meeting": 4,
        "days_to_first_meeting_median": 5.0,
        "days_to_first_meeting_p90": 10.0,
    }
    assert wait_summary([])["days_to_first_meeting_median"] is None
