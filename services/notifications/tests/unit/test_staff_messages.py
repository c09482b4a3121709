"""Staff and group messages as pure functions: who gets what, which day a digest covers."""

from datetime import UTC, date, datetime

from hoppid.contracts import scheduling as sched
from hoppid.notifications.composition import programme_messages, staff_messages
from hoppid.notifications.copies.advisors import Advisor
from hoppid.notifications.delivery import digests

ADVISOR = Advisor("a1", "Vera", "vera@x.example", "en", "nordveggen")


def test_an_oslo_day_is_23_or_25_hours_across_dst() -> None:
    start, end = digests._oslo_day_bounds(date(2030, 3, 31))  # clocks go forward
    assert start == datetime(2030, 3, 30, 23, 0, tzinfo=UTC)
    assert (end - start).total_seconds() == 23 * 3600
    start, end = digests._oslo_day_bounds(date(2030, 10, 27))  # and back
    assert (end - start).total_seconds() == 25 * 3600


def test_the_digest_covers_the_next_day_and_is_one_delivery_per_advisor_and_day() -> None:
    meetings = [
        {
            "start": datetime(2030, 6, 4, 8, 0, tzinfo=UTC),
            "end": datetime(2030, 6, 4, 9, 0, tzinfo=UTC),
            "meeting_type": "follow_up",
            "mode": "digital",
            "case_id": "c1",
        }
    ]
    cases = [{"_id": "c1", "reference": "HOP-1", "status": "in_guidance"}]
    out = staff_messages.digest(ADVISOR, date(2030, 6, 3), meetings, {"c1": "HOP-1"}, cases, 31)
    assert out.recipient_kind == "advisor" and out.address == "vera@x.example"
    assert out.values["day"] == "Tuesday 04.06.2030"
    assert out.values["meetings"] == "- 10:00-11:00 Follow-up meeting, online (video) (HOP-1)"
    assert out.values["open_cases"].splitlines() == ["- HOP-1 (in guidance)", "- … (+30)"]
    again = staff_messages.digest(ADVISOR, date(2030, 6, 3), [], {}, [], 0)
    assert again.delivery_id == out.delivery_id  # the same day: the same claim
    assert again.values["meetings"] == "No meetings."
    next_day = staff_messages.digest(ADVISOR, date(2030, 6, 4), [], {}, [], 0)
    assert next_day.delivery_id != out.delivery_id


def test_a_school_class_gets_no_message_and_a_person_is_told_their_place() -> None:
    fields = {
        "programme_id": "p",
        "office_id": "nordveggen",
        "kind": "growth_programme",
        "enrolment_id": "e",
        "participants": 1,
        "position": 3,
        "waitlisted_by": "staff",
        "waitlisted_at": datetime(2030, 1, 1, tzinfo=UTC),
    }
    school = sched.ProgrammeWaitlisted(**fields, person_id=None)
    assert programme_messages.enrolment("programme_waitlisted", school, None, "ev") is None
    person = sched.ProgrammeWaitlisted(**fields, person_id="person-1")
    out = programme_messages.enrolment("programme_waitlisted", person, None, "ev")
    assert out is not None and out.address is None  # unknown person: suppressed, not lost
    assert out.values["position"] == "3" and out.values["programme"] == "vekstprogrammet"
    assert out.message_class == "service" and out.recipient_kind == "person"
