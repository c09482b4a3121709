"""intake's composition root: settings -> clients -> broker -> app. Nothing runs at import."""

from fastapi import FastAPI

from hoppid.intake.settings import IntakeSettings
from hoppid.shared.serve import serve
from hoppid.shared.service import ServiceDefinition, build_runtime, create_app

DEFINITION = ServiceDefinition(
    name="intake",
    title="hoppid intake",
    description="Entrepreneurs, inquiries and cases, for every office.",
)


def build(settings: IntakeSettings) -> FastAPI:
    return create_app(build_runtime(DEFINITION, settings))


def run() -> None:
    serve("intake", IntakeSettings, build)


if __name__ == "__main__":
    run()
