"""What intake's features' forms share: the needs, the languages, a required text, and the
strict base that names each bad or unknown field in a 422 (each feature's ``forms.py`` holds
its own request models)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

Need = Literal["guidance", "course", "application_help", "network_introduction", "office_seat"]
Language = Literal["nb", "nn", "en"]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
