"""What intake accepts over HTTP: pydantic models that name each bad field in a 422."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from hoppid.shared.web.bounds import Day

Need = Literal["guidance", "course", "application_help", "network_introduction", "office_seat"]
Language = Literal["nb", "nn", "en"]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class InquiryForm(_Strict):
    name: Text = Field(max_length=200, description="Your name")
    email: EmailStr = Field(description="Where we answer you")
    phone: str | None = Field(None, max_length=30, description="Optional; Norwegian or +country")
    municipality: str = Field(pattern=r"^\d{4}$", description="Municipality number, e.g. 1539")
    idea: Text = Field(max_length=5000, description="Your idea, in your own words")
    stage: Literal["idea", "starting", "running"] = Field(description="Where you are")
    needs: list[Need] = Field(min_length=1, max_length=5, description="What you need")
    language: Language = Field("nb", description="Language for our messages")
    meeting_mode: Literal["in_person", "digital"] = Field(description="How you want to meet")
    consent_processing: Literal[True] = Field(
        description="Consent to the processing described in the consent text (required)"
    )
    consent_text_version: str = Field(description="Version of the consent text you were shown")
    consent_newsletter: bool = Field(False, description="Optional: newsletters from the office")
    share_company_with_partners: bool = Field(
        False, description="Optional: partners may see your company's organisation number"
    )


class AssignAdvisor(_Strict):
    advisor_id: Text = Field(max_length=100, description="The advisor's id")


class ChangeStatus(_Strict):
    status: Literal["new", "contacted", "in_guidance", "company_registered", "paused", "closed"]
    reason: (
        Literal[
            "no_response", "not_ready", "not_viable", "moved_away", "other_help", "done", "other"
        ]
        | None
    ) = Field(None, description="Required when pausing or closing")
    comment: str | None = Field(None, max_length=2000, description="Kept in intake only")


class AddNote(_Strict):
    text: Text = Field(max_length=10000, description="The note; never leaves intake")


class EditNote(_Strict):
    text: Text = Field(
        max_length=10000, description="The note as it reads now; never leaves intake"
    )


class RecordApplication(_Strict):
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


class DecideApplication(_Strict):
    outcome: Literal["granted", "rejected", "withdrawn"]
    amount_granted_nok: int = Field(0, ge=0, le=1_000_000_000)


class RegisterCompany(_Strict):
    org_number: str = Field(max_length=20, description="Organisation number, 9 digits")
    registered_on: Day = Field(description="Date of registration")


class MakeIntroduction(_Strict):
    to_whom: Text = Field(max_length=300, description="Who the person was introduced to")
    kind: Literal["company", "investor", "mentor", "public_body", "research", "other"]
    why: Text = Field(max_length=2000, description="Why")


class OfficeForm(_Strict):
    name: Text = Field(max_length=200)
    municipalities: list[Annotated[str, StringConstraints(pattern=r"^\d{4}$")]] = Field(
        min_length=1
    )
    languages: list[Language] = Field(min_length=1)
    contact_email: EmailStr
    contact_phone: str | None = Field(None, max_length=30)
    opening_hours: str = Field("", max_length=500, description="e.g. Mon-Fri 09-15")
    yearly_budget_eur: int = Field(0, ge=0, le=100_000_000)


class NewOffice(OfficeForm):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,40}$")


class IssueKey(_Strict):
    role: Literal["advisor", "office_admin"]
    label: Text = Field(max_length=100, description="Whose key, e.g. the advisor's name")


class IssuePlatformKey(_Strict):
    role: Literal["county", "partner"]
    label: Text = Field(max_length=100, description="Who holds it, e.g. the county's analyst")


class Correction(_Strict):
    name: Text | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=30)
    language: Language | None = None


class WithdrawConsent(_Strict):
    consent: Literal["processing", "newsletter", "share_company_with_partners"]


class LinkRequest(_Strict):
    email: EmailStr = Field(description="The address you gave in your inquiry")
    language: Language = Field("nb", description="Language of the answer")
