"""The person's corrections and consents by their link: each bad field named in a 422."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from hoppid.intake.forms import Language, Strict, Text


class Correction(Strict):
    name: Text | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=30)
    language: Language | None = None


class WithdrawConsent(Strict):
    consent: Literal["processing", "newsletter", "share_company_with_partners"]
