"""Tests only: record the shape of every query a service makes, to check each has an index.

With ``HOPPID_MONGODB_QUERY_LOG`` set to a folder, a service appends to ``<folder>/<service>.jsonl``
each index it asks the store to create (``createIndexes``: what it declares, including the
indexes of collections made later, like reporting's versions) and each distinct query shape it
sends: the collection, the fields its filter names and the fields it sorts by (values left out).
``scripts/check_query_indexes.py`` then fails when a shape has no declared index (GUIDE.md
section 5: every query has an index, or the platform slows as data grows). Never set in
production: the listener costs a little on every command.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pymongo import monitoring

# command name -> where its filter and its sort are, per statement
_QUERIES = {"find", "findAndModify", "count", "distinct", "update", "delete", "aggregate"}
_LOGICAL = {"$and", "$or", "$nor"}


def filter_fields(selector: Mapping[str, Any]) -> list[str]:
    """The field paths a filter names, through ``$and``/``$or``/``$nor``; values left out."""
    fields: set[str] = set()
    for key, value in selector.items():
        if key in _LOGICAL and isinstance(value, list):
            for part in value:
                fields.update(filter_fields(part))
        elif not key.startswith("$"):
            fields.add(key)
    return sorted(fields)


def statements(name: str, command: Mapping[str, Any]) -> Iterable[tuple[Mapping[str, Any], Any]]:
    """(filter, sort) of each statement of one command."""
    if name == "find":
        yield command.get("filter") or {}, command.get("sort")
    elif name == "findAndModify":
        yield command.get("query") or {}, command.get("sort")
    elif name in ("count", "distinct"):
        yield command.get("query") or {}, None
    elif name == "update":
        for update in command.get("updates", []):
            yield update.get("q") or {}, None
    elif name == "delete":
        for delete in command.get("deletes", []):
            yield delete.get("q") or {}, None
    elif name == "aggregate":
        stages = command.get("pipeline", [])
        match: Mapping[str, Any] = next((s["$match"] for s in stages[:1] if "$match" in s), {})
        sort = next((s["$sort"] for s in stages[:2] if "$sort" in s), None)
        yield match, sort


class QueryShapeRecorder(monitoring.CommandListener):
    """Appends each new query shape of this process to one JSON-lines file."""

    def __init__(self, path: Path, service_database: str) -> None:
        self.path = path
        self.service_database = service_database
        self.seen: set[str] = set()
        path.parent.mkdir(parents=True, exist_ok=True)

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        name = event.command_name
        if name == "createIndexes":
            for index in event.command.get("indexes", []):
                self._write({"declared": event.command[name], "keys": list(index["key"])})
            return
        if name not in _QUERIES:
            return
        collection = event.command.get(name)
        if not isinstance(collection, str):
            return  # e.g. an aggregate on the database
        # the service's own database, else the shared vault of per-person keys (read by _id)
        store = "service" if event.database_name == self.service_database else "vault"
        for selector, sort in statements(name, event.command):
            self._write(
                {
                    "store": store,
                    "collection": collection,
                    "command": name,
                    "filter": filter_fields(selector),
                    "sort": list(sort or {}),
                }
            )

    def _write(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, sort_keys=True)
        if line in self.seen:
            return
        self.seen.add(line)
        with self.path.open("a", encoding="utf-8") as file:  # one short append per new shape
            file.write(line + "\n")

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass
