"""Offices and their API keys as intake accepts them: each bad field named in a 422."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import EmailStr, Field, StringConstraints

from hoppid.intake.forms import Language, Strict, Text


class OfficeForm(Strict):
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


class IssueKey(Strict):
    role: Literal["advisor", "office_admin"]
    label: Text = Field(max_length=100, description="Whose key, e.g. the advisor's name")


class IssuePlatformKey(Strict):
    role: Literal["county", "partner"]
    label: Text = Field(max_length=100, description="Who holds it, e.g. the county's analyst")
