"""notifications: the composition root (settings -> clients -> broker -> app); no import effects."""

from fastapi import FastAPI

from hoppid.notifications.settings import NotificationsSettings
from hoppid.shared.serve import serve
from hoppid.shared.service import ServiceDefinition, build_runtime, create_app

DEFINITION = ServiceDefinition(
    name="notifications",
    title="hoppid notifications",
    description="Messages to entrepreneurs and staff, once, in the person's language.",
)


def build(settings: NotificationsSettings) -> FastAPI:
    return create_app(build_runtime(DEFINITION, settings))


def run() -> None:
    serve("notifications", NotificationsSettings, build)


if __name__ == "__main__":
    run()
