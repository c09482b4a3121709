"""Events are the public contract: every schema is snapshotted in tests/contracts/, and inside a
version a schema may only gain optional fields. Regenerate after an allowed change with
``HOPPID_UPDATE_CONTRACTS=1 make test``; a breaking change needs a new type ``.v2`` instead."""

import importlib
import json
import os
import pkgutil
from pathlib import Path
from typing import Any

import pytest

import hoppid.shared.events
from hoppid.shared.events import catalogue

# every producer's module registers its events when imported
for module in pkgutil.iter_modules(hoppid.shared.events.__path__):
    importlib.import_module(f"hoppid.shared.events.{module.name}")

CONTRACTS = Path(__file__).with_name("contracts")
MODELS = list(catalogue)


def schema_of(model: Any) -> dict[str, Any]:
    return json.loads(json.dumps(model.model_json_schema(), sort_keys=True))


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    problems = []
    old_fields, new_fields = old.get("properties", {}), new.get("properties", {})
    for name, definition in old_fields.items():
        if name not in new_fields:
            problems.append(f"field {name} removed")
        elif new_fields[name] != definition:
            problems.append(f"field {name} changed")
    added_required = set(new.get("required", [])) - set(old.get("required", []))
    problems += [f"new required field {name}" for name in sorted(added_required)]
    return problems


def test_the_catalogue_has_the_events_of_every_producer() -> None:
    assert {m.event_type.split(".")[2] for m in MODELS} >= {"intake"}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.event_type)
def test_schema_matches_its_contract(model: Any) -> None:
    path = CONTRACTS / f"{model.event_type}.json"
    current = schema_of(model)
    if os.environ.get("HOPPID_UPDATE_CONTRACTS") == "1" or not path.exists():
        if path.exists():
            assert breaking_changes(json.loads(path.read_text()), current) == []
        path.write_text(json.dumps(current, indent=2, ensure_ascii=False) + "\n")
        if os.environ.get("CI"):
            pytest.fail(f"{path.name} was missing: contracts must be committed")
        return
    snapshot = json.loads(path.read_text())
    assert breaking_changes(snapshot, current) == [], "make a .v2 type for a breaking change"
    assert current == snapshot, "an allowed change: update the contract (HOPPID_UPDATE_CONTRACTS=1)"


def test_breaking_changes_are_recognised() -> None:
    old = {"properties": {"a": {"type": "string"}, "b": {"type": "integer"}}, "required": ["a"]}
    assert breaking_changes(old, old) == []
    optional_added = {
        "properties": {**old["properties"], "c": {"type": "string"}},
        "required": ["a"],
    }
    assert breaking_changes(old, optional_added) == []
    assert breaking_changes(old, {"properties": {"a": {"type": "string"}}, "required": ["a"]}) == [
        "field b removed"
    ]
    retyped = {"properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}}
    assert breaking_changes(old, retyped) == ["field a changed"]
    required = {"properties": old["properties"], "required": ["a", "b"]}
    assert breaking_changes(old, required) == ["new required field b"]


def test_personal_fields_are_marked_in_the_contracts() -> None:
    received = json.loads((CONTRACTS / "no.hoppid.intake.inquiry.received.v1.json").read_text())
    marked = {n for n, d in received["properties"].items() if d.get("pii")}
    assert marked == {"name", "email", "case_link_token"}
