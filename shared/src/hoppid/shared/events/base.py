"""What every hoppid event model is: frozen pydantic, a versioned type name, fields described.

Only the producing service defines its events, in ``hoppid.shared.events.<service>``. Fields that
hold personal data are declared with :func:`pii_field`, so the public projection and erasure can
find them without a list kept by hand somewhere else.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from hoppid.shared.envelope import Envelope

E = TypeVar("E", bound="Event")
TYPE_PATTERN = re.compile(r"^no\.hoppid\.[a-z]+\.[a-z][a-z_]*\.[a-z][a-z_]*\.v[1-9][0-9]*$")


def event_type_name(service: str, noun: str, past_participle: str, version: int) -> str:
    """``no.hoppid.<service>.<noun>.<past_participle>.v<N>``, checked."""
    name = f"no.hoppid.{service}.{noun}.{past_participle}.v{version}"
    if not TYPE_PATTERN.match(name):
        raise ValueError(f"{name!r} is not a valid hoppid event type")
    return name


def pii_field(description: str, **kwargs: Any) -> Any:
    """A field holding personal data: kept off partner topics and out of metrics, erasable."""
    return Field(description=description, json_schema_extra={"pii": True}, **kwargs)


class Event(BaseModel):
    """Base of every event's data. Unknown fields are ignored: producers may add optional ones."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]

    @classmethod
    def pii_fields(cls) -> frozenset[str]:
        return frozenset(
            name
            for name, info in cls.model_fields.items()
            if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get("pii")
        )

    def public_data(self) -> dict[str, Any]:
        """The data without any personal field: what may reach partners."""
        return self.model_dump(mode="json", exclude=set(self.pii_fields()))

    def to_envelope(
        self, *, source: str, subject: str, office: str = "", municipality: str = ""
    ) -> Envelope:
        return Envelope(
            type=self.event_type,
            source=source,
            subject=subject,
            office=office,
            municipality=municipality,
            data=self.model_dump(mode="json"),
        )


def expected(event: Event, model: type[E]) -> E:
    """The event as the model its handler was registered for. The consumer hands a handler
    only the type it asked for, so another one is a wiring mistake, named here."""
    if not isinstance(event, model):
        raise TypeError(f"a handler of {model.event_type} was given {event.event_type}")
    return event
