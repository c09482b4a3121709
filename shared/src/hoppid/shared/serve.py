"""Running a service process: read settings (stop clearly if bad), log as JSON, serve HTTP."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Protocol, TypeVar

import uvicorn
from fastapi import FastAPI

from hoppid.shared.logs import configure_logging
from hoppid.shared.settings import ServiceSettings, SettingsError, load_settings


class HttpSettings(Protocol):
    http_host: str
    http_port: int
    log_level: str


S = TypeVar("S", bound=ServiceSettings)

EXIT_BAD_SETTINGS = 2


def serve(name: str, settings_class: type[S], build: Callable[[S], FastAPI]) -> None:
    try:
        settings = load_settings(settings_class)
        settings.require_link_secret()
    except SettingsError as error:
        print(f"hoppid-{name} cannot start: {error}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_SETTINGS) from None
    configure_logging(name, settings.log_level)
    port: int = getattr(settings, "http_port")  # noqa: B009  every service declares its own
    uvicorn.run(
        build(settings),
        host=settings.http_host,
        port=port,
        log_config=None,
        lifespan="on",
        timeout_graceful_shutdown=10,
    )
