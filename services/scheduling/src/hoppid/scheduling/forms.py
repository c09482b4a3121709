"""What scheduling accepts over HTTP: pydantic models that name each bad field in a 422."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
)

from hoppid.scheduling import join_links
from hoppid.shared.web.bounds import Day, Instant

Language = Literal["nb", "nn", "en"]
Topic = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]{1,39}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")]
MeetingType = Literal["first_guidance", "follow_up"]
Mode = Literal["in_person", "digital"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class WorkingHours(_Strict):
    weekday: int = Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday")
    start: time = Field(description="Start, Oslo time, e.g. 09:00")
    end: time = Field(description="End, Oslo time, e.g. 15:00")
    place: Literal["office", "digital"] = Field(description="At the office, or a digital day")


class Absence(_Strict):
    first_day: Day = Field(description="First day away")
    last_day: Day = Field(description="Last day away (inclusive)")


class AdvisorForm(_Strict):
    name: Text = Field(max_length=200, description="The advisor's name (staff only)")
    email: EmailStr = Field(description="The advisor's work address (staff only)")
    languages: list[Language] = Field(min_length=1, max_length=3)
    topics: list[Topic] = Field(
        default_factory=list, max_length=30, description="e.g. grants, marketing, export"
    )
    weekly_hours: list[WorkingHours] = Field(default_factory=list, max_length=50)
    absences: list[Absence] = Field(default_factory=list, max_length=200)


class OpeningHours(_Strict):
    weekday: int = Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday")
    opens: time = Field(description="Opens, Oslo time")
    closes: time = Field(description="Closes, Oslo time")


class OfficeSettings(_Strict):
    opening_hours: list[OpeningHours] = Field(
        default_factory=lambda: [
            OpeningHours(weekday=w, opens=time(8), closes=time(16)) for w in range(5)
        ],
        max_length=50,
    )
    closed_days: list[Day] = Field(
        default_factory=list, max_length=500, description="Days the office is closed"
    )
    video_link: str | None = Field(
        None,
        max_length=500,
        pattern=r"^https://\S+$",
        description="The office's one static video room (used when no join_link_pattern is set)",
    )
    join_link_pattern: str | None = Field(
        None,
        max_length=500,
        pattern=r"^https://\S+$",
        description="A join link per digital meeting: a provider's room URL with {token} (a "
        "random part made per meeting) and optionally {office}, e.g. "
        "https://meet.jit.si/hoppid-{office}-{token}",
    )

    @field_validator("join_link_pattern")
    @classmethod
    def _usable_pattern(cls, value: str | None) -> str | None:
        return None if value is None else join_links.check_pattern(value)

    first_guidance_minutes: int = Field(60, ge=15, le=480)
    follow_up_minutes: int = Field(30, ge=15, le=480)
    buffer_minutes: int = Field(15, ge=0, le=120, description="Free time after each meeting")
    minimum_notice_hours: int = Field(24, ge=0, le=24 * 60, description="Earliest booking ahead")


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


def as_utc(instant: datetime) -> datetime:
    return instant.astimezone(UTC)
