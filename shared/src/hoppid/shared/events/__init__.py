"""The event catalogue: one module per producing service, each registering into ``catalogue``.

Consumers import the producer's module to read its events; only the producer defines them.
"""

from hoppid.shared.events.base import Event, event_type_name, pii_field
from hoppid.shared.events.catalogue import EventCatalogue, UnknownEventType, catalogue

__all__ = [
    "Event",
    "EventCatalogue",
    "UnknownEventType",
    "catalogue",
    "event_type_name",
    "pii_field",
]
