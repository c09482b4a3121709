"""reporting's composition root: settings -> clients -> broker -> app. Nothing runs at import."""

from collections.abc import Mapping
from datetime import datetime

from fastapi import FastAPI

from hoppid.reporting import api, consumers, retention, store, web
from hoppid.reporting.context import Context
from hoppid.reporting.gauges import BusinessGauges
from hoppid.reporting.settings import ReportingSettings
from hoppid.shared.asyncapi import declare_publications
from hoppid.shared.clock import real_now
from hoppid.shared.events import reporting as public_events
from hoppid.shared.retention import run_daily
from hoppid.shared.serve import serve
from hoppid.shared.service import Runtime, ServiceDefinition, build_runtime, create_app


def build(settings: ReportingSettings) -> FastAPI:
    contexts: list[Context] = []

    def wire(runtime: Runtime) -> None:
        ctx = Context(
            database=runtime.database,
            versions=store.Versions(runtime.database),
            keys=runtime.key_ring(settings.county_key.get_secret_value()),
            public_facts=store.PublicFacts(runtime.database, runtime.topics.public),
            partner_cases=store.PartnerCases(runtime.database),
            partner_people=store.PartnerPeople(runtime.database),
            gauges=BusinessGauges(runtime.metrics.registry),
            notify=runtime.relay.notify,
        )
        contexts.append(ctx)
        consumers.install(runtime, ctx)

    async def connected(runtime: Runtime) -> None:
        ctx = contexts[0]
        await ctx.versions.ensure()
        await ctx.gauges.refresh(await ctx.active_store())

    async def background(runtime: Runtime) -> None:
        periods = retention.periods(settings)

        async def retention_pass(now: datetime) -> Mapping[str, int]:
            return await retention.one_pass(contexts[0].database, periods, now)

        await run_daily(retention_pass, real_now)

    definition = ServiceDefinition(
        name="reporting",
        title="hoppid reporting",
        description="What each office achieves: figures for the county, municipalities and "
        "partners, and PII-free facts on the partner topic.",
        indexes=store.INDEXES,
        outbox_collections=store.OUTBOX_COLLECTIONS,
        consumers=wire,
        extra_topics=lambda topics: [topics.public],
        on_connected=connected,
        background=background,
    )
    runtime = build_runtime(definition, settings)
    # the partner facts go to hoppid.public, not to the service's own topic: declared here
    declare_publications(runtime.broker, runtime.topics.public, public_events.PUBLISHED)
    app = create_app(runtime)
    api.install(app, contexts[0])
    web.install(app, settings, contexts[0])
    return app


def run() -> None:
    serve("reporting", ReportingSettings, build)


if __name__ == "__main__":
    run()
