"""The pure rules of changing and cancelling a programme: capacity against the seats taken and
the waiting, promotion in order, a started session kept, reminders planned again only for a
moved session, and a cancellation that tells each place once."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hoppid.scheduling.model import RuleViolation
from hoppid.scheduling.programmes.changes import decide_programme_cancel, decide_programme_change
from hoppid.scheduling.programmes.forms import EnrolForm, ProgrammeChangeForm
from hoppid.scheduling.programmes.use_cases import decide_enrolment, session_reminder_plan
from hoppid.shared.problems import Conflict

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OFFICE = {"_id": "nordveggen", "municipalities": ["1539"]}
SESSIONS = [
    {"id": "s1", "start": NOW - timedelta(days=1), "end": NOW - timedelta(hours=22)},
    {"id": "s2", "start": NOW + timedelta(days=7), "end": NOW + timedelta(days=7, hours=2)},
    {"id": "s3", "start": NOW + timedelta(days=14), "end": NOW + timedelta(days=14, hours=2)},
]


def course(capacity: int, people: int, kind: str = "course") -> dict[str, Any]:
    current: dict[str, Any] = {
        "_id": "p1",
        "office_id": "nordveggen",
        "kind": kind,
        "capacity": capacity,
        "minimum": 1,
        "taken": 0,
        "seats": [],
        "waiting": [],
        "people": [],
        "sessions": SESSIONS,
        **session_reminder_plan(SESSIONS, NOW),
    }
    for n in range(people):
        form = EnrolForm(person_id=f"person-{n}")
        change = decide_enrolment(current, OFFICE, form, "staff", NOW)
        current = {**current, **change.set}
    return current


def moved(session: str, days: float) -> dict[str, Any]:
    start = NOW + timedelta(days=days)
    return {"id": session, "start": start, "end": start + timedelta(hours=2)}


def test_a_capacity_below_the_seats_taken_is_refused_and_a_raised_one_seats_the_waiting() -> None:
    current = course(2, 4)
    with pytest.raises(RuleViolation) as refused:
        decide_programme_change(current, OFFICE, ProgrammeChangeForm(capacity=1), NOW)
    assert refused.value.field == "capacity"
    change = decide_programme_change(current, OFFICE, ProgrammeChangeForm(capacity=3), NOW)
    assert change.answer["changed"] == ["capacity"]
    assert change.answer["promoted"] == [current["waiting"][0]["id"]]
    assert change.set["taken"] == 3 and len(change.set["waiting"]) == 1
    assert [e.type.split(".")[-2] for e in change.events] == ["changed", "promoted"]
    same = decide_programme_change(current, OFFICE, ProgrammeChangeForm(capacity=2), NOW)
    assert same.events == [] and same.answer["changed"] == []


def test_a_started_session_stays_and_a_moved_one_gets_its_reminders_again() -> None:
    current = course(5, 1)
    back = ProgrammeChangeForm.model_validate({"sessions": [moved("s1", 3)]})
    with pytest.raises(RuleViolation) as refused:
        decide_programme_change(current, OFFICE, back, NOW)
    assert refused.value.field == "sessions.0.start"
    past = ProgrammeChangeForm.model_validate({"sessions": [moved("s2", -0.5)]})
    with pytest.raises(RuleViolation):
        decide_programme_change(current, OFFICE, past, NOW)

    sent = {**current, "session_reminders": ["s3:24h", "s3:2h"]}  # s2's went out (say)
    later = ProgrammeChangeForm.model_validate({"sessions": [moved("s2", 20)]})
    change = decide_programme_change(sent, OFFICE, later, NOW)
    assert [s["id"] for s in change.set["sessions"]] == ["s1", "s3", "s2"]  # in time order
    assert change.set["first_start"] == SESSIONS[0]["start"]
    assert sorted(change.set["session_reminders"]) == ["s2:24h", "s2:2h", "s3:24h", "s3:2h"]
    (event,) = change.events
    assert event.data["changed"] == ["sessions"] and event.data["capacity"] == 5


def test_cancelling_ends_every_place_once_and_then_nothing_more() -> None:
    current = course(1, 3)
    change = decide_programme_cancel(current, OFFICE, NOW)
    kinds = [
        (e.type.split(".")[-2], e.data.get("was"), e.data.get("reason")) for e in change.events
    ]
    assert kinds == [
        ("enrolment_cancelled", "enrolled", "programme_cancelled"),
        ("enrolment_cancelled", "waitlisted", "programme_cancelled"),
        ("enrolment_cancelled", "waitlisted", "programme_cancelled"),
        ("cancelled", None, None),
    ]
    after = {**current, **change.set}
    assert after["taken"] == 0 and after["people"] == [] and after["reminder_at"] is None
    again = decide_programme_cancel(after, OFFICE, NOW + timedelta(hours=1))
    assert again.events == [] and again.set == {"cancelled_at": NOW}
    with pytest.raises(Conflict):
        decide_enrolment(after, OFFICE, EnrolForm(person_id="late"), "staff", NOW)
    with pytest.raises(Conflict):
        decide_programme_change(after, OFFICE, ProgrammeChangeForm(capacity=4), NOW)
