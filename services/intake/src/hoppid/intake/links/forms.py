"""A request for a new link by email: each bad field named in a 422."""

from __future__ import annotations

from pydantic import EmailStr, Field

from hoppid.intake.forms import Language, Strict


class LinkRequest(Strict):
    email: EmailStr = Field(description="The address you gave in your inquiry")
    language: Language = Field("nb", description="Language of the answer")
