"""What scheduling accepts for a meeting (booked, moved, cancelled): pydantic models that name
each bad field in a 422."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from hoppid.scheduling.forms import Id, Language, Topic, _Strict
from hoppid.shared.web.bounds import Instant

MeetingType = Literal["first_guidance", "follow_up"]
Mode = Literal["in_person", "digital"]


class Booking(_Strict):
    case_id: Id = Field(description="The case (from intake)")
    person_id: Id = Field(description="The person (from intake)")
    meeting_type: MeetingType = "first_guidance"
    start: Instant = Field(description="Start, with its offset, e.g. 2026-12-02T09:00Z")
    mode: Mode
    advisor_id: Id | None = Field(None, description="Leave out to get the least loaded advisor")
    language: Language | None = Field(None, description="The advisor must speak it")
    topic: Topic | None = Field(None, description="The advisor must know it")


class MyBooking(_Strict):
    """What the person sends from their link: one of the times offered for their case."""

    case_id: Id = Field(description="Your case (from your link's page)")
    start: Instant = Field(description="Start, with its offset, e.g. 2026-12-02T09:00Z")
    mode: Mode | None = Field(None, description="Leave out for the mode you asked for")
    advisor_id: Id | None = Field(None, description="Leave out for the advisor offered")


class Reschedule(_Strict):
    start: Instant = Field(description="New start, with its offset")
    mode: Mode | None = Field(None, description="Leave out to keep the mode")
    advisor_id: Id | None = Field(
        None, description="Leave out to keep the advisor when free, else the least loaded one"
    )


class Cancel(_Strict):
    reason: Literal["entrepreneur", "advisor", "office"] = "office"
