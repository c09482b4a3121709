"""Write docs/asyncapi/hoppid.json: the four services' AsyncAPI documents merged into one.

Each service's app is built in-process, as its composition root builds it (no I/O: nothing
connects until the app starts), and its broker describes what it publishes and consumes.
Channels, operations and components are merged; a name two services use must mean the same.

    .venv/bin/python docs/asyncapi/generate.py          # rewrite the file
    .venv/bin/python docs/asyncapi/generate.py --check  # exit 1 if it is out of date

tests/test_partner_docs.py runs the check.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hoppid.intake.main import build as build_intake
from hoppid.intake.settings import IntakeSettings
from hoppid.notifications.main import build as build_notifications
from hoppid.notifications.settings import NotificationsSettings
from hoppid.reporting.main import build as build_reporting
from hoppid.reporting.settings import ReportingSettings
from hoppid.scheduling.main import build as build_scheduling
from hoppid.scheduling.settings import SchedulingSettings
from hoppid.shared.asyncapi import asyncapi_document

OUTPUT = Path(__file__).resolve().with_name("hoppid.json")
SERVICES = [
    (build_intake, IntakeSettings),
    (build_scheduling, SchedulingSettings),
    (build_notifications, NotificationsSettings),
    (build_reporting, ReportingSettings),
]
DESCRIPTION = (
    "The events of the hoppid platform, every service's in one document. Partners subscribe "
    "to hoppid.public only (docs/partners.md); the other topics are internal. Records are "
    "CloudEvents 1.0 in Kafka binary mode: attributes in ce_* headers, the JSON data as the "
    "value, the subject as the key."
)


@contextmanager
def _no_hoppid_environment() -> Iterator[None]:
    """Without this shell's HOPPID_* variables: a second stack's Kafka address (for example)
    would otherwise become the document's development server."""
    saved = {name: os.environ.pop(name) for name in list(os.environ) if name.startswith("HOPPID_")}
    try:
        yield
    finally:
        os.environ.update(saved)


def service_documents() -> list[Any]:
    documents = []
    for build, settings_class in SERVICES:
        # the defaults, whatever this shell or a .env says: the document must not depend on them
        with _no_hoppid_environment():
            settings = settings_class(_env_file=None, topic_prefix="")  # type: ignore[call-arg]
        app = build(settings)  # type: ignore[operator]
        definition = app.state.runtime.definition
        documents.append(
            asyncapi_document(
                app.state.runtime.broker,
                title=definition.title,
                version=definition.version,
                description=definition.description,
            )
        )
    return documents


def merge_into(target: dict[str, Any], part: dict[str, Any], where: str) -> None:
    for name, value in part.items():
        if name in target and target[name] != value:
            raise ValueError(f"{where}/{name} differs between services")
        target[name] = value


def combined() -> dict[str, Any]:
    parts = service_documents()
    document: dict[str, Any] = {
        "asyncapi": parts[0]["asyncapi"],
        "info": {
            "title": "hoppid events",
            "version": max(part["info"]["version"] for part in parts),
            "description": DESCRIPTION,
        },
        "defaultContentType": "application/json",
        "servers": {},
        "channels": {},
        "operations": {},
        "components": {"messages": {}, "schemas": {}},
    }
    for part in parts:
        merge_into(document["servers"], part.get("servers", {}), "servers")
        merge_into(document["channels"], part.get("channels", {}), "channels")
        merge_into(document["operations"], part.get("operations", {}), "operations")
        for section, items in part.get("components", {}).items():
            merge_into(document["components"].setdefault(section, {}), items, section)
    return document


def rendered() -> str:
    return json.dumps(combined(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    text = rendered()
    if "--check" in argv:
        if not OUTPUT.exists() or OUTPUT.read_text() != text:
            print(f"{OUTPUT} is out of date: run {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
