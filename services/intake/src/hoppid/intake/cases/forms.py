"""The staff's case work as intake accepts it: each bad field named in a 422."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from hoppid.intake.forms import Strict, Text
from hoppid.shared.web.bounds import Day


class AssignAdvisor(Strict):
    advisor_id: Text = Field(max_length=100, description="The advisor's id")


class ChangeStatus(Strict):
    status: Literal["new", "contacted", "in_guidance", "company_registered", "paused", "closed"]
    reason: (
        Literal[
            "no_response", "not_ready", "not_viable", "moved_away", "other_help", "done", "other"
        ]
        | None
    ) = Field(None, description="Required when pausing or closing")
    comment: str | None = Field(None, max_length=2000, description="Kept in intake only")


class AddNote(Strict):
    text: Text = Field(max_length=10000, description="The note; never leaves intake")


class EditNote(Strict):
    text: Text = Field(
        max_length=10000, description="The note as it reads now; never leaves intake"
    )


class RecordApplication(Strict):
    programme_id: Text | None = Field(
        None,
        max_length=100,
        description="The office's grant programme (`/v1/offices/{office_id}/grant-programmes`)",
    )
    programme: Text | None = Field(
        None,
        max_length=200,
        description="A programme outside the catalogue, as free text (instead of programme_id)",
    )
    amount_asked_nok: int = Field(ge=0, le=1_000_000_000, description="Amount asked, NOK")
    deadline: Day | None = Field(None, description="Deadline")


class DecideApplication(Strict):
    outcome: Literal["granted", "rejected", "withdrawn"]
    amount_granted_nok: int = Field(0, ge=0, le=1_000_000_000)


class RegisterCompany(Strict):
    org_number: str = Field(max_length=20, description="Organisation number, 9 digits")
    registered_on: Day = Field(description="Date of registration")


class MakeIntroduction(Strict):
    to_whom: Text = Field(max_length=300, description="Who the person was introduced to")
    kind: Literal["company", "investor", "mentor", "public_body", "research", "other"]
    why: Text = Field(max_length=2000, description="Why")
