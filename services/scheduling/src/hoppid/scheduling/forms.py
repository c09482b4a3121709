"""What every form of scheduling shares: strict pydantic models (an unknown field is a 422 naming
it) and the types of ids, texts, languages and topics; times from a form are kept in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

Language = Literal["nb", "nn", "en"]
Topic = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]{1,39}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def as_utc(instant: datetime) -> datetime:
    return instant.astimezone(UTC)
