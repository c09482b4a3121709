"""Programme and desk figures land under the municipality their events name (the optional
``municipality`` field scheduling fills in); events without it (older ones) under ``0000``.

Molde's office serves several municipalities: an enrolment counts where the person lives (1506
Molde, 1557 Gjemnes), a seat where scheduling placed it (the office's main one). A cancellation
takes back from the municipality its seat was counted in, even when its own event names none.
"""

from datetime import UTC, date, datetime
from typing import Any

from reporting_support import Reporting, drained, produce, subset

from hoppid.contracts import scheduling as sc
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event

OFFICE = "molde"
FIGURES = {
    "programme_enrolments": 0,
    "programme_enrolments_course": 0,
    "programme_enrolments_school_programme": 0,
    "programme_attendances": 0,
    "school_participants": 0,
    "desk_half_days_booked": 0,
    "desk_half_days_used": 0,
}


def out(event: Event, subject: str) -> Envelope:
    # the extension deliberately says something else: the figures follow the data field
    return event.to_envelope(source=sc.SOURCE, subject=subject, office=OFFICE, municipality="9999")


def ids(enrolment: str, kind: str, municipality: str | None, participants: int = 1) -> Any:
    return {
        "programme_id": f"prog-{kind}",
        "office_id": OFFICE,
        "kind": kind,
        "enrolment_id": enrolment,
        "person_id": None if kind == "school_programme" else f"person-{enrolment}",
        "case_id": None,
        "participants": participants,
        "municipality": municipality,
    }


def seat(booking: str, municipality: str | None) -> Any:
    return {
        "seat_booking_id": booking,
        "office_id": OFFICE,
        "desk_id": "desk-1",
        "day": date(2026, 3, 12),
        "half": "morning",
        "person_id": None,
        "municipality": municipality,
    }


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def stream() -> list[Envelope]:
    course, school = "course", "school_programme"
    return [
        out(
            sc.ProgrammeEnrolled(
                **ids("e1", course, "1506"), enrolled_by="staff", enrolled_at=at(2)
            ),
            "prog-course",
        ),
        out(
            sc.ProgrammeEnrolled(
                **ids("e2", course, "1557"), enrolled_by="entrepreneur", enrolled_at=at(3)
            ),
            "prog-course",
        ),
        out(
            sc.ProgrammeEnrolled(
                **ids("e3", course, "1557"), enrolled_by="staff", enrolled_at=at(3)
            ),
            "prog-course",
        ),
        # e3's cancellation is an older event without the field: it still leaves Gjemnes
        out(
            sc.ProgrammeEnrolmentCancelled(
                **ids("e3", course, None), was="enrolled", cancelled_by="staff", cancelled_at=at(4)
            ),
            "prog-course",
        ),
        out(
            sc.SessionAttended(
                **ids("e1", course, "1506"),
                session_id="s1",
                session_start=at(10),
                recorded_at=at(10),
            ),
            "prog-course",
        ),
        out(
            sc.ProgrammeEnrolled(
                **ids("k1", school, "1506", 24), enrolled_by="staff", enrolled_at=at(5)
            ),
            "prog-school",
        ),
        out(
            sc.ProgrammeEnrolled(
                **ids("old", course, None), enrolled_by="staff", enrolled_at=at(6)
            ),
            "prog-course",
        ),
        out(sc.SeatBooked(**seat("d1", "1506"), booked_by="staff", booked_at=at(11)), "d1"),
        out(sc.SeatCheckedIn(**seat("d1", "1506"), checked_in_at=at(12, 8)), "d1"),
        out(sc.SeatBooked(**seat("d2", "1506"), booked_by="staff", booked_at=at(11)), "d2"),
        out(
            sc.SeatReleased(
                **seat("d2", None), reason="cancelled", released_by="staff", released_at=at(11, 12)
            ),
            "d2",
        ),
        out(sc.SeatBooked(**seat("d-old", None), booked_by="staff", booked_at=at(11)), "d-old"),
    ]


async def figures(reporting: Reporting, municipality: str) -> dict[str, Any]:
    [row] = await reporting.get("/v1/figures", municipality=municipality, period="2026-03")
    return subset(row, FIGURES)


async def test_programme_and_desk_figures_land_under_the_municipality_their_events_name(
    reporting: Reporting,
) -> None:
    await produce(reporting.scheduling_topic, stream())
    await drained(reporting.prefix, reporting.scheduling_topic)

    assert await figures(reporting, "1506") == {
        **FIGURES,
        "programme_enrolments": 2,  # e1 and the class k1
        "programme_enrolments_course": 1,
        "programme_enrolments_school_programme": 1,
        "programme_attendances": 1,
        "school_participants": 24,
        "desk_half_days_booked": 1,  # d1; d2 booked and cancelled
        "desk_half_days_used": 1,
    }
    assert await figures(reporting, "1557") == {
        **FIGURES,
        "programme_enrolments": 1,  # e2; e3 enrolled and cancelled
        "programme_enrolments_course": 1,
    }
    assert await figures(reporting, "0000") == {
        **FIGURES,
        "programme_enrolments": 1,  # the enrolment and the seat whose events name none
        "programme_enrolments_course": 1,
        "desk_half_days_booked": 1,
    }
    assert await figures(reporting, "9999") == FIGURES  # never the envelope's extension
    [office] = await reporting.get("/v1/figures", office=OFFICE, period="2026-03")
    assert subset(office, FIGURES)["programme_enrolments"] == 4  # the office counts them all
