"""Events are the public contract: every schema is snapshotted in tests/contracts/, and inside a
version a schema may only gain optional fields, in the event and in every model nested in it.

A missing snapshot fails. After an allowed change, or for a new event type, record the snapshot
deliberately, review it and commit it::

    HOPPID_UPDATE_CONTRACTS=1 .venv/bin/python -m pytest tests/test_event_contracts.py

A breaking change fails even then: it needs a new type ``.v2`` instead."""

import importlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from hoppid.shared.events import catalogue, load_contracts

# every producer's contract package registers its events when imported
LOADED = load_contracts()

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = Path(__file__).with_name("contracts")
MODELS = list(catalogue)
# every service publishes events (reporting its facts on hoppid.public)
PRODUCERS = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "pyproject.toml").exists())
RECORD = "HOPPID_UPDATE_CONTRACTS=1 .venv/bin/python -m pytest tests/test_event_contracts.py"
Schema = dict[str, Any]


def schema_of(model: Any) -> Schema:
    schema: Schema = json.loads(json.dumps(model.model_json_schema(), sort_keys=True))
    return schema


def producer_of(event_type: str) -> str:
    return event_type.split(".")[2]


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """What in ``new`` would break a consumer of ``old``: a field removed or changed, a new
    required field, at the top or inside a nested model (``$defs``), named by its path."""
    return _model_changes(old, new, "", (old.get("$defs", {}), new.get("$defs", {})))


def _model_changes(old: Schema, new: Schema, at: str, defs: tuple[Schema, Schema]) -> list[str]:
    problems = []
    old_fields, new_fields = old.get("properties", {}), new.get("properties", {})
    for name, definition in old_fields.items():
        if name not in new_fields:
            problems.append(f"field {at}{name} removed")
        else:
            problems += _field_changes(definition, new_fields[name], f"{at}{name}", defs)
    added_required = set(new.get("required", [])) - set(old.get("required", []))
    problems += [f"new required field {at}{name}" for name in sorted(added_required)]
    return problems


def _field_changes(old: Schema, new: Schema, at: str, defs: tuple[Schema, Schema]) -> list[str]:
    old, new = _resolved(old, defs[0]), _resolved(new, defs[1])
    if "properties" in old and "properties" in new:
        # a nested model: it may gain optional fields like the event itself
        return _model_changes(old, new, f"{at}.", defs)
    for key in ("items", "anyOf"):
        if key in old and key in new and _without(old, key) == _without(new, key):
            return _nested_changes(old[key], new[key], f"{at}[]", defs)
    return [] if old == new else [f"field {at} changed"]


def _nested_changes(old: Any, new: Any, at: str, defs: tuple[Schema, Schema]) -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        return _field_changes(old, new, at, defs)
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [p for o, n in zip(old, new, strict=True) for p in _field_changes(o, n, at, defs)]
    return [f"field {at} changed"]


def _resolved(definition: Schema, defs: Schema) -> Schema:
    """A ``$ref`` to a nested model replaced by the model, so a renamed class is no change."""
    if "$ref" not in definition:
        return definition
    name = definition["$ref"].removeprefix("#/$defs/")
    nested = {k: v for k, v in defs[name].items() if k not in ("title", "description")}
    return {**nested, **_without(definition, "$ref")}


def _without(definition: Schema, key: str) -> Schema:
    return {k: v for k, v in definition.items() if k != key}


def test_the_catalogue_has_the_events_of_every_producer() -> None:
    assert sorted({producer_of(m.event_type) for m in MODELS}) == PRODUCERS


def test_every_producer_publishes_its_contract_package() -> None:
    """Each service's events are in its own contract package (contracts/<service>), found by
    its entry point; the shared library holds no service's events."""
    assert [f"hoppid.contracts.{service}" for service in PRODUCERS] == LOADED
    for model in MODELS:
        assert model.__module__ == f"hoppid.contracts.{producer_of(model.event_type)}", model


@pytest.mark.parametrize("service", PRODUCERS)
def test_every_published_event_of_a_producer_has_its_contract(service: str) -> None:
    """What the service declares it publishes (its AsyncAPI) is in the catalogue under its own
    name, and every event type of the service has a committed snapshot."""
    published = importlib.import_module(f"hoppid.contracts.{service}").PUBLISHED
    assert published, f"{service} declares no published events"
    names = {m.event_type for m in published}
    assert {producer_of(n) for n in names} == {service}
    assert names <= {m.event_type for m in MODELS}, "published but not in the catalogue"
    types = sorted(m.event_type for m in MODELS if producer_of(m.event_type) == service)
    missing = [t for t in types if not (CONTRACTS / f"{t}.json").exists()]
    assert missing == [], f"no contract snapshot for {missing}: record them with {RECORD}"


def test_every_snapshot_is_of_a_known_event() -> None:
    """A snapshot whose model is gone means an event type was dropped: partners may still read
    it, so removing it is deliberate (delete the snapshot too)."""
    known = {f"{m.event_type}.json" for m in MODELS}
    assert sorted(p.name for p in CONTRACTS.glob("*.json") if p.name not in known) == []


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.event_type)
def test_schema_matches_its_contract(model: Any) -> None:
    path = CONTRACTS / f"{model.event_type}.json"
    current = schema_of(model)
    snapshot = json.loads(path.read_text()) if path.exists() else None
    if snapshot is not None:
        assert breaking_changes(snapshot, current) == [], "make a .v2 type for a breaking change"
    if os.environ.get("HOPPID_UPDATE_CONTRACTS") == "1":
        if os.environ.get("CI"):
            pytest.fail("contracts are recorded by a person and committed, never in CI")
        path.write_text(json.dumps(current, indent=2, ensure_ascii=False) + "\n")
        return
    if snapshot is None:
        pytest.fail(f"{model.event_type}: no snapshot {path.name}; record it with {RECORD}")
    assert current == snapshot, f"an allowed change: record the contract again with {RECORD}"


def test_breaking_changes_are_recognised() -> None:
    fields: Schema = {"a": {"type": "string"}, "b": {"type": "integer"}}
    old = {"properties": fields, "required": ["a"]}
    assert breaking_changes(old, old) == []
    optional_added = {
        "properties": {**fields, "c": {"type": "string"}},
        "required": ["a"],
    }
    assert breaking_changes(old, optional_added) == []
    assert breaking_changes(old, {"properties": {"a": {"type": "string"}}, "required": ["a"]}) == [
        "field b removed"
    ]
    retyped = {"properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}}
    assert breaking_changes(old, retyped) == ["field a changed"]
    required = {"properties": fields, "required": ["a", "b"]}
    assert breaking_changes(old, required) == ["new required field b"]


def nesting(slot: Schema, *, name: str = "Slot") -> Schema:
    """An event with a list of nested models and one optional nested model."""
    ref = {"$ref": f"#/$defs/{name}"}
    return {
        "$defs": {name: {"title": name, "type": "object", **slot}},
        "properties": {
            "slots": {"type": "array", "items": ref},
            "chosen": {"anyOf": [ref, {"type": "null"}], "default": None},
        },
        "required": ["slots"],
    }


def test_breaking_changes_inside_nested_models_are_recognised() -> None:
    slot = {"properties": {"start": {"type": "string"}, "mode": {"type": "string"}}}
    old = nesting({**slot, "required": ["start"]})
    assert breaking_changes(old, old) == []
    assert breaking_changes(old, nesting({**slot, "required": ["start"]}, name="Renamed")) == []
    added = {"properties": {**slot["properties"], "room": {"type": "string"}}}
    assert breaking_changes(old, nesting({**added, "required": ["start"]})) == []
    removed = nesting({"properties": {"start": {"type": "string"}}, "required": ["start"]})
    assert breaking_changes(old, removed) == [
        "field slots[].mode removed",
        "field chosen[].mode removed",
    ]
    retyped = {"properties": {"start": {"type": "integer"}, "mode": {"type": "string"}}}
    assert breaking_changes(old, nesting({**retyped, "required": ["start"]})) == [
        "field slots[].start changed",
        "field chosen[].start changed",
    ]
    required = nesting({**slot, "required": ["start", "mode"]})
    assert breaking_changes(old, required) == [
        "new required field slots[].mode",
        "new required field chosen[].mode",
    ]


def test_personal_fields_are_marked_in_the_contracts() -> None:
    received = json.loads((CONTRACTS / "no.hoppid.intake.inquiry.received.v1.json").read_text())
    marked = {n for n, d in received["properties"].items() if d.get("pii")}
    assert marked == {"name", "email", "case_link_token"}
