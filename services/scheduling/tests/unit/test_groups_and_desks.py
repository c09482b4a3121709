"""The pure rules of group programmes and desks: waitlist order, promotion, the no-show time."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from hoppid.scheduling.desks.use_cases import release_at
from hoppid.scheduling.programmes.forms import EnrolForm
from hoppid.scheduling.programmes.use_cases import decide_cancel, decide_enrolment
from hoppid.shared.problems import Conflict

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OFFICE = {"_id": "nordveggen", "municipalities": ["1539"]}


def programme(capacity: int, kind: str = "course") -> dict[str, Any]:
    return {
        "_id": "p1",
        "office_id": "nordveggen",
        "kind": kind,
        "capacity": capacity,
        "taken": 0,
        "seats": [],
        "waiting": [],
        "people": [],
    }


def apply(current: dict[str, Any], change: Any) -> dict[str, Any]:
    return {**current, **change.set}


def test_enrolments_fill_the_seats_then_wait_and_a_cancellation_promotes_the_first() -> None:
    current = programme(2)
    answers = []
    for n in range(4):
        change = decide_enrolment(current, OFFICE, EnrolForm(person_id=f"p{n}"), "staff", NOW)
        current = apply(current, change)
        answers.append((change.answer["status"], change.max_taken))
    # a seat-taking change demands taken <= capacity - 1 in the store's filter
    assert answers == [("enrolled", 1)] * 2 + [("waitlisted", None)] * 2
    with pytest.raises(Conflict):
        decide_enrolment(current, OFFICE, EnrolForm(person_id="p0"), "staff", NOW)
    first_waiting = current["waiting"][0]["id"]
    change = decide_cancel(current, OFFICE, current["seats"][0]["id"], "staff", NOW)
    assert change.answer["promoted"] == [first_waiting]
    assert change.set["taken"] == 2 and len(change.set["waiting"]) == 1
    assert [e.type for e in change.events] == [
        "no.hoppid.scheduling.programme.enrolment_cancelled.v1",
        "no.hoppid.scheduling.programme.promoted.v1",
    ]


def test_a_large_class_first_in_line_is_not_overtaken() -> None:
    current = programme(25, "school_programme")
    for size in (20, 10, 3):  # 20 seated; 10 waits; 3 would fit but waits behind the 10
        form = EnrolForm(school="Skolen", school_class=f"k{size}", participants=size)
        current = apply(current, decide_enrolment(current, OFFICE, form, "staff", NOW))
    assert [e["participants"] for e in current["waiting"]] == [10, 3]
    change = decide_cancel(current, OFFICE, current["seats"][0]["id"], "staff", NOW)
    assert len(change.answer["promoted"]) == 2 and change.set["taken"] == 13


def test_the_no_show_time_is_two_hours_into_the_half_in_oslo_time() -> None:
    winter, summer = date(2026, 1, 12), date(2026, 6, 15)
    early = datetime(2026, 1, 1, tzinfo=UTC)
    assert release_at(winter, "morning", early, timedelta(minutes=30)).hour == 9  # 10:00 CET
    assert release_at(summer, "morning", early, timedelta(minutes=30)).hour == 8  # 10:00 CEST
    assert release_at(summer, "afternoon", early, timedelta(minutes=30)).hour == 12  # 14:00
    late = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)  # booked at 11:00 Oslo, after 10:00
    assert release_at(summer, "morning", late, timedelta(minutes=30)) == late + timedelta(
        minutes=30
    )
