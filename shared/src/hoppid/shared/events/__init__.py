"""The event mechanics every service shares: the event base and the catalogue.

Each producing service owns its contracts in a package it publishes
(``services/<service>/contracts``: ``hoppid.contracts.<service>``); importing one registers its
events into ``catalogue``. A consumer depends on the contract packages it reads. Tools that must
read every event (the dead-letter command, the contract tests) load all installed contracts by
their ``hoppid.contracts`` entry points, so this library names no service.
"""

from importlib import import_module
from importlib.metadata import entry_points

from hoppid.shared.events.base import Event, event_type_name, pii_field
from hoppid.shared.events.catalogue import EventCatalogue, UnknownEventType, catalogue

CONTRACTS_ENTRY_POINTS = "hoppid.contracts"


def load_contracts() -> list[str]:
    """Import every installed producer's contract module (registering its events); their names."""
    names = []
    for point in entry_points(group=CONTRACTS_ENTRY_POINTS):
        import_module(point.value)
        names.append(point.value)
    return sorted(names)


__all__ = [
    "CONTRACTS_ENTRY_POINTS",
    "Event",
    "EventCatalogue",
    "UnknownEventType",
    "catalogue",
    "event_type_name",
    "load_contracts",
    "pii_field",
]
