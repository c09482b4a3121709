"""Offices are tenants: the registry of offices and the municipalities each one serves.

The registry is data (``data/offices.json`` beside this module, or a file named by the
``HOPPID_OFFICES_FILE`` setting), checked against the county's municipalities
(``data/municipalities-more-og-romsdal.csv``): each municipality is served by at most one office.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

Language = Literal["nb", "nn", "en"]
MunicipalityNumber = Annotated[str, StringConstraints(pattern=r"^\d{4}$")]
OfficeId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,40}$")]


class Municipality(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: MunicipalityNumber = Field(description="Four-digit municipality number, e.g. 1539")
    name: str = Field(description="Name, e.g. Rauma")
    county_number: str = Field(description="Two-digit county number, e.g. 15")
    county_name: str = Field(description="County name, e.g. Møre og Romsdal")


class Office(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: OfficeId = Field(description="Stable office id, e.g. nordveggen")
    name: str = Field(min_length=1, description="Office name shown to people")
    municipalities: tuple[MunicipalityNumber, ...] = Field(
        min_length=1, description="Numbers of the municipalities the office serves"
    )
    languages: tuple[Language, ...] = Field(
        ("nb",), min_length=1, description="Languages the office works in"
    )
    contact_email: EmailStr = Field(description="The office's contact address")
    yearly_budget_eur: int = Field(0, ge=0, description="Yearly first-line budget, in EUR")


class TenancyError(ValueError):
    """The office data is inconsistent (unknown municipality, one served twice, id twice)."""


class OfficeRegistry:
    def __init__(self, municipalities: Iterable[Municipality], offices: Iterable[Office]) -> None:
        self.municipalities = {m.number: m for m in municipalities}
        self.offices: dict[str, Office] = {}
        self._by_municipality: dict[str, Office] = {}
        for office in offices:
            self.add(office)

    def add(self, office: Office) -> None:
        """Add an office (or replace one with the same id), keeping the data consistent."""
        for number in office.municipalities:
            if number not in self.municipalities:
                raise TenancyError(f"office {office.id}: unknown municipality {number}")
            holder = self._by_municipality.get(number)
            if holder is not None and holder.id != office.id:
                raise TenancyError(f"municipality {number} is served by {holder.id} already")
        if office.id in self.offices:
            for number in self.offices[office.id].municipalities:
                del self._by_municipality[number]
        self.offices[office.id] = office
        self._by_municipality.update(dict.fromkeys(office.municipalities, office))

    def office(self, office_id: str) -> Office | None:
        return self.offices.get(office_id)

    def office_for_municipality(self, number: str) -> Office | None:
        return self._by_municipality.get(number)

    def __iter__(self) -> Iterator[Office]:
        return iter(self.offices.values())


def load_municipalities(path: Path | None = None) -> list[Municipality]:
    text = path.read_text("utf-8") if path else _packaged("municipalities-more-og-romsdal.csv")
    return [Municipality.model_validate(row) for row in csv.DictReader(text.splitlines())]


def load_offices(path: Path | None = None) -> list[Office]:
    text = path.read_text("utf-8") if path else _packaged("offices.json")
    return [Office.model_validate(item) for item in json.loads(text)["offices"]]


def load_registry(offices_file: Path | None = None) -> OfficeRegistry:
    return OfficeRegistry(load_municipalities(), load_offices(offices_file))


def _packaged(name: str) -> str:
    return resources.files("hoppid.shared").joinpath("data", name).read_text("utf-8")
