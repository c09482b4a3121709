"""reporting's composition root: settings -> clients -> its bootstrap -> app. Nothing at import."""

from collections.abc import Mapping
from datetime import datetime

from fastapi import FastAPI

from hoppid.contracts import reporting as public_events
from hoppid.contracts.intake_keys import track_api_keys
from hoppid.reporting import api, consumers, retention, store, web
from hoppid.reporting.context import Context
from hoppid.reporting.figures.gauges import BusinessGauges
from hoppid.reporting.settings import ReportingSettings
from hoppid.shared.asyncapi import declare_publications
from hoppid.shared.clock import real_now
from hoppid.shared.retention import run_daily
from hoppid.shared.serve import serve
from hoppid.shared.service import Job, Runtime, ServiceDefinition, ServiceParts, build_service

DEFINITION = ServiceDefinition(
    name="reporting",
    title="hoppid reporting",
    description="What each office achieves: figures for the county, municipalities and "
    "partners, and PII-free facts on the partner topic.",
    indexes=store.INDEXES,
    outbox_collections=store.OUTBOX_COLLECTIONS,
    extra_topics=lambda topics: [topics.public],
)


def bootstrap(settings: ReportingSettings, runtime: Runtime) -> ServiceParts:
    """reporting's context, once; the key ring and projections; routes, gauges and retention."""
    ctx = Context(
        database=runtime.database,
        versions=store.Versions(runtime.database),
        keys=track_api_keys(runtime, settings.county_key.get_secret_value()),
        public_facts=store.PublicFacts(runtime.database, runtime.topics.public),
        partner_cases=store.PartnerCases(runtime.database),
        partner_people=store.PartnerPeople(runtime.database),
        gauges=BusinessGauges(runtime.metrics.registry),
        notify=runtime.relay.notify,
    )
    consumers.install(runtime, ctx)
    # the partner facts go to hoppid.public, not to the service's own topic: declared here
    declare_publications(runtime.broker, runtime.topics.public, public_events.PUBLISHED)
    periods = retention.periods(settings)

    async def retention_pass(now: datetime) -> Mapping[str, int]:
        return await retention.one_pass(ctx.database, periods, now)

    def install(app: FastAPI) -> None:
        api.install(app, ctx)
        web.install(app, settings, ctx)

    async def gauges() -> None:
        await ctx.versions.ensure()
        await ctx.gauges.refresh(await ctx.active_store())

    return ServiceParts(
        install=install,
        on_connected=[gauges],
        jobs=[Job("retention", lambda: run_daily(retention_pass, real_now))],
    )


def build(settings: ReportingSettings) -> FastAPI:
    return build_service(DEFINITION, settings, bootstrap)


def run() -> None:
    serve("reporting", ReportingSettings, build)


if __name__ == "__main__":
    run()
