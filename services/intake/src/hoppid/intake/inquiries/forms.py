"""The public inquiry as intake accepts it: each bad field named in a 422."""

from __future__ import annotations

from typing import Literal

from pydantic import EmailStr, Field

from hoppid.intake.forms import Language, Need, Strict, Text


class InquiryForm(Strict):
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
