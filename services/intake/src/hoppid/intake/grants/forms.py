"""What the catalogue accepts: an entry (API and pages), and the case page's application
against an entry."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from hoppid.intake.cases.forms import RecordApplication
from hoppid.intake.forms import Text
from hoppid.shared.web.bounds import Day


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ProgrammeForm(_Strict):
    name: Text = Field(
        max_length=200, description="The programme's name (Norwegian, or its only name)"
    )
    name_en: Text | None = Field(None, max_length=200, description="Its English name, if any")
    granted_by: Text = Field(
        max_length=200, description="Who grants it, e.g. Rauma kommune or Innovasjon Norge"
    )
    max_amount_nok: int | None = Field(
        None, ge=1, le=1_000_000_000, description="The most one application may ask, NOK"
    )
    active: bool = Field(True, description="Offered for new applications")


class CatalogueApplication(_Strict):
    """The case page's application: one of the office's active entries, never free text."""

    programme_id: Text = Field(max_length=100, description="The catalogue entry")
    amount_asked_nok: int = Field(ge=0, le=1_000_000_000, description="Amount asked, NOK")
    deadline: Day | None = Field(None, description="Deadline")

    def recorded(self) -> RecordApplication:
        return RecordApplication(**self.model_dump())
