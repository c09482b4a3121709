"""What scheduling accepts for an office's settings: pydantic models that name each bad field."""

from __future__ import annotations

from datetime import time

from pydantic import Field, field_validator

from hoppid.scheduling.forms import _Strict
from hoppid.scheduling.meetings import join_links
from hoppid.shared.web.bounds import Day


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
