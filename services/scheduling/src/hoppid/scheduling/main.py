"""scheduling's composition root: settings -> clients -> broker -> app. Nothing runs at import."""

from fastapi import FastAPI

from hoppid.scheduling.settings import SchedulingSettings
from hoppid.shared.serve import serve
from hoppid.shared.service import ServiceDefinition, build_runtime, create_app

DEFINITION = ServiceDefinition(
    name="scheduling",
    title="hoppid scheduling",
    description="Advisors' time, guidance meetings, courses and camps, office seats.",
)


def build(settings: SchedulingSettings) -> FastAPI:
    return create_app(build_runtime(DEFINITION, settings))


def run() -> None:
    serve("scheduling", SchedulingSettings, build)


if __name__ == "__main__":
    run()
