"""reporting's composition root: settings -> clients -> broker -> app. Nothing runs at import."""

from fastapi import FastAPI

from hoppid.reporting.settings import ReportingSettings
from hoppid.shared.serve import serve
from hoppid.shared.service import ServiceDefinition, build_runtime, create_app

DEFINITION = ServiceDefinition(
    name="reporting",
    title="hoppid reporting",
    description="What each office achieves: figures for the county, municipalities and partners.",
)


def build(settings: ReportingSettings) -> FastAPI:
    return create_app(build_runtime(DEFINITION, settings))


def run() -> None:
    serve("reporting", ReportingSettings, build)


if __name__ == "__main__":
    run()
