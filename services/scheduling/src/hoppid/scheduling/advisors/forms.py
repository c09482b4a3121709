"""What scheduling accepts for an advisor: pydantic models that name each bad field in a 422."""

from __future__ import annotations

from datetime import time
from typing import Literal

from pydantic import EmailStr, Field

from hoppid.scheduling.forms import Language, Text, Topic, _Strict
from hoppid.shared.web.bounds import Day


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
