"""The catalogue: every event type hoppid knows, and how to read an envelope into its model."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

from pydantic import ValidationError

from hoppid.shared.envelope import Envelope, EnvelopeError
from hoppid.shared.events.base import TYPE_PATTERN, Event

E = TypeVar("E", bound=Event)


class UnknownEventType(EnvelopeError):
    """The envelope's type is in no catalogue: nobody can read it."""


class EventCatalogue:
    def __init__(self) -> None:
        self._models: dict[str, type[Event]] = {}

    def register(self, model: type[E]) -> type[E]:
        """Class decorator: add an event model, checking its name and its field descriptions."""
        name = model.event_type
        if not TYPE_PATTERN.match(name):
            raise ValueError(f"{model.__name__}: {name!r} is not a valid hoppid event type")
        if name in self._models and self._models[name] is not model:
            raise ValueError(f"{name} is registered twice")
        undocumented = [n for n, f in model.model_fields.items() if not f.description]
        if undocumented:
            raise ValueError(f"{model.__name__}: fields without description: {undocumented}")
        erasable = [n for n in model.pii_fields() if model.model_fields[n].is_required()]
        if erasable:
            raise ValueError(f"{model.__name__}: personal fields must be optional: {erasable}")
        self._models[name] = model
        return model

    def knows(self, event_type: str) -> bool:
        return event_type in self._models

    def model_for(self, event_type: str) -> type[Event]:
        try:
            return self._models[event_type]
        except KeyError:
            raise UnknownEventType(f"unknown event type {event_type!r}") from None

    def parse(self, envelope: Envelope) -> Event:
        """The envelope's data as its model; a poison event raises :class:`EnvelopeError`."""
        model = self.model_for(envelope.type)
        try:
            return model.model_validate(envelope.data)
        except ValidationError as error:
            # where and what, never the values: the data may be a person's, unsealed just
            # before, and this message goes to the dead-letter headers and the logs (so the
            # pydantic error, whose text quotes the input, is not chained either)
            problems = validation_problems(error)
            raise EnvelopeError(f"{envelope.type}: invalid data: {problems}") from None

    def __iter__(self) -> Iterator[type[Event]]:
        return iter(sorted(self._models.values(), key=lambda m: m.event_type))


def validation_problems(error: ValidationError) -> str:
    """Where and what of a pydantic error, never the input: ``field: message; ...``. A custom
    validator's message (``value_error``, ``assertion_error``) may quote the value it refused,
    so only its type is named."""
    problems = []
    for item in error.errors(include_input=False, include_url=False, include_context=False):
        where = ".".join(str(p) for p in item["loc"]) or "data"
        custom = item["type"] in ("value_error", "assertion_error")
        problems.append(f"{where}: {item['type'] if custom else item['msg']}")
    return "; ".join(problems)


# The one catalogue of the platform. Each producer's module registers its models into it.
catalogue = EventCatalogue()
