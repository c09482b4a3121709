"""What scheduling accepts for group programmes: pydantic models that name each bad field."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from hoppid.contracts.scheduling import ProgrammeKind
from hoppid.scheduling.forms import Id, Text, _Strict
from hoppid.shared.web.bounds import Instant

City = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class SessionForm(_Strict):
    start: Instant = Field(description="Start, with its offset (stored in UTC)")
    end: Instant = Field(description="End, with its offset (stored in UTC)")


class ProgrammeForm(_Strict):
    kind: ProgrammeKind = Field(description="course, growth_programme, innovation_camp, ...")
    title: Text = Field(max_length=200, description="Shown to people (never on a topic)")
    partner_city: City | None = Field(None, description="A growth programme's partner city")
    capacity: int = Field(ge=1, le=500, description="Seats (school programmes: pupils)")
    minimum: int = Field(0, ge=0, le=500, description="Fewest participants for it to run")
    sessions: list[SessionForm] = Field(min_length=1, max_length=60)


class EnrolForm(_Strict):
    """A person (courses, programmes, camps) or a school class (school programmes)."""

    person_id: Id | None = Field(None, description="The person (an id from intake)")
    case_id: Id | None = Field(None, description="The case the enrolment belongs to")
    school: Label | None = Field(None, description="School programmes: the school")
    school_class: Label | None = Field(None, description="School programmes: the class")
    participants: int = Field(1, ge=1, le=500, description="School programmes: pupils")


class Attended(_Strict):
    enrolment_id: Id
    participants: int | None = Field(
        None, ge=0, le=500, description="School classes: how many came (default: all)"
    )


class AttendanceForm(_Strict):
    attended: list[Attended] = Field(min_length=1, max_length=500)


class MyEnrolForm(_Strict):
    case_id: Id | None = Field(None, description="One of my cases, if it is about one")


class SessionChange(_Strict):
    id: Id = Field(description="The session to move (s1, s2...)")
    start: Instant = Field(description="New start, with its offset (stored in UTC)")
    end: Instant = Field(description="New end, with its offset (stored in UTC)")


class ProgrammeChangeForm(_Strict):
    """What an office admin may change: sessions' times (only those named) and the capacity.
    Whatever is left out stays as it is."""

    capacity: int | None = Field(None, ge=1, le=500, description="Seats (school: pupils)")
    sessions: list[SessionChange] | None = Field(None, min_length=1, max_length=60)
