"""What partners are given: the combined AsyncAPI document is the services' own (regenerated here,
compared with the committed file), hoppid.public carries no field marked pii, and
docs/partners.md names every public event type and the CloudEvents headers."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "docs/asyncapi/hoppid.json"


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "asyncapi_generate", ROOT / "docs/asyncapi/generate.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return json.loads(COMMITTED.read_text())  # type: ignore[no-any-return]


def test_the_committed_document_is_up_to_date() -> None:
    assert COMMITTED.read_text() == generator().rendered(), (
        "docs/asyncapi/hoppid.json is out of date: run .venv/bin/python docs/asyncapi/generate.py"
    )


def resolve(document: dict[str, Any], node: Any) -> Any:
    """A node with its $ref followed (references are local JSON pointers, URL-quoted)."""
    while isinstance(node, dict) and "$ref" in node:
        pointer = node["$ref"].removeprefix("#/").split("/")
        node = document
        for part in pointer:
            node = node[unquote(part).replace("~1", "/").replace("~0", "~")]
    return node


def pii_fields(document: dict[str, Any], node: Any, seen: set[int] | None = None) -> set[str]:
    """Names of the properties marked pii anywhere under a node, following references."""
    seen = set() if seen is None else seen
    node = resolve(document, node)
    if id(node) in seen:
        return set()
    seen.add(id(node))
    found: set[str] = set()
    if isinstance(node, dict):
        for name, field in node.get("properties", {}).items():
            if resolve(document, field).get("pii") is True:
                found.add(name)
        for value in node.values():
            found |= pii_fields(document, value, seen)
    elif isinstance(node, list):
        for value in node:
            found |= pii_fields(document, value, seen)
    return found


def channels_on(document: dict[str, Any], topic: str) -> dict[str, Any]:
    return {
        name: channel
        for name, channel in document["channels"].items()
        if channel["address"] == topic
    }


def test_the_public_topic_carries_no_personal_data(document: dict[str, Any]) -> None:
    public = channels_on(document, "hoppid.public")
    assert public, "hoppid.public is not in the document"
    for name, channel in public.items():
        messages = [resolve(document, m) for m in channel["messages"].values()]
        assert messages and all("payload" in m for m in messages), name
        assert pii_fields(document, messages) == set(), f"{name} carries personal data"


def test_the_pii_check_sees_personal_data_where_it_is(document: dict[str, Any]) -> None:
    # intake's inquiry carries the person's name and email, marked: the check must find them
    intake = channels_on(document, "hoppid.intake")
    found = set().union(*(pii_fields(document, c["messages"]) for c in intake.values()))
    assert {"name", "email"} <= found


def public_event_types(document: dict[str, Any]) -> set[str]:
    return {name.split(":", 1)[1] for name in channels_on(document, "hoppid.public")}


def test_the_partner_guide_names_every_public_event_and_the_headers(
    document: dict[str, Any],
) -> None:
    guide = (ROOT / "docs/partners.md").read_text()
    types = public_event_types(document)
    assert types and all(t.startswith("no.hoppid.") for t in types)
    for event_type in types:
        assert f"`{event_type}`" in guide, f"docs/partners.md does not describe {event_type}"
    for header in ["ce_id", "ce_type", "ce_source", "ce_specversion", "ce_time", "ce_subject"]:
        assert f"`{header}`" in guide
    assert "asyncapi/hoppid.json" in guide
