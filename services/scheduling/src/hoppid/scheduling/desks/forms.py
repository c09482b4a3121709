"""What scheduling accepts for office seats (desks): models that name each bad field."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from hoppid.scheduling.forms import Id, Text, _Strict
from hoppid.shared.web.bounds import Day


class DeskForm(_Strict):
    name: Text = Field(max_length=100, description="e.g. 'Vindusplass 3'")


class SeatForm(_Strict):
    day: Day = Field(description="The day (Europe/Oslo)")
    half: Literal["morning", "afternoon", "day"] = Field(
        description="morning 08-12, afternoon 12-16 (Oslo), or the whole day (both halves)"
    )
    desk_id: Id | None = Field(None, description="A desk; any free one when left out")
    person_id: Id | None = Field(None, description="Who sits there (an id from intake)")
