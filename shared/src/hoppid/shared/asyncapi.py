"""AsyncAPI: what a service publishes and consumes, generated from its FastStream broker.

The outbox relay publishes with ``broker.publish``, which FastStream cannot see; so each service
declares its publications here, one per event model, to put them in the document.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI

from hoppid.shared.events.base import Event


def declare_publications(broker: KafkaBroker, topic: str, models: Iterable[type[Event]]) -> None:
    for model in models:
        broker.publisher(
            topic,
            title=f"{topic}:{model.event_type}",
            description=(model.__doc__ or model.event_type).strip(),
            schema=model,
        )


def asyncapi_document(broker: KafkaBroker, *, title: str, version: str, description: str) -> Any:
    spec = AsyncAPI(broker, title=title, version=version, description=description)
    return spec.to_specification().to_jsonable()
