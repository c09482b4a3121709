"""intake's composition root: settings -> clients -> its bootstrap -> app. Nothing at import."""

import asyncio
from collections.abc import Mapping
from datetime import datetime, timedelta

from fastapi import FastAPI

from hoppid.contracts import intake as intake_events
from hoppid.intake import accounts, api, consumers, person_export, retention, search, store, web
from hoppid.intake.audit import retention as audit_retention
from hoppid.intake.audit.trail import audit_indexes
from hoppid.intake.context import Context
from hoppid.intake.grants import store as grants_store
from hoppid.intake.links import issuing as links
from hoppid.intake.meetings import store as meetings_store
from hoppid.intake.office_admin import store as office_admin_store
from hoppid.intake.offices import use_cases as office_use_cases
from hoppid.intake.people import export_api, export_pages
from hoppid.intake.settings import IntakeSettings
from hoppid.shared.clock import real_now
from hoppid.shared.guards import BodySizeLimit
from hoppid.shared.retention import run_daily
from hoppid.shared.serve import serve
from hoppid.shared.service import Job, Runtime, ServiceDefinition, ServiceParts, build_service
from hoppid.shared.tenancy import load_registry

EXPORT_PURGE_SECONDS = 600.0  # how often exports past their time are deleted

DEFINITION = ServiceDefinition(
    name="intake",
    title="hoppid intake",
    description="Entrepreneurs, inquiries and cases, for every office.",
    indexes=[
        *store.INDEXES,
        *person_export.INDEXES,
        *accounts.INDEXES,
        *grants_store.INDEXES,
        *meetings_store.INDEXES,
        *office_admin_store.INDEXES,
    ],
    outbox_collections=(*store.OUTBOX_COLLECTIONS, person_export.EXPORTS),
    publishes=intake_events.PUBLISHED,
)


def bootstrap(settings: IntakeSettings, runtime: Runtime) -> ServiceParts:
    """intake's context and exports, once; its consumer; its routes, seeding and pollers."""
    wake = asyncio.Event()  # a link request arrived
    context = Context(
        store=store.IntakeStore(runtime.database, runtime.own_topic),
        link_secret=settings.link_secret.get_secret_value(),
        link_days=settings.link_days,
        notify=runtime.relay.notify,
        vault=runtime.vault,
        wake_links=links.waker(wake),
        audit_database=settings.audit_database,
    )
    exports = person_export.Exports(
        context,
        timedelta(seconds=settings.export_timeout_seconds),
        timedelta(hours=settings.export_keep_hours),
    )
    consumers.install(runtime, meetings_store.CaseMeetings(runtime.database), exports)
    periods = retention.periods(settings)
    audit_keep = timedelta(days=settings.retain_audit_days)

    async def retention_pass(now: datetime) -> Mapping[str, int]:
        return await retention.one_pass(context, periods, now)

    async def audit_pass(now: datetime) -> Mapping[str, int]:
        return await audit_retention.one_pass(context, audit_keep, now)

    def install(app: FastAPI) -> None:
        api.install(app, context, settings)
        app.include_router(export_api.router(exports))
        app.include_router(export_pages.router(web.build_pages(settings, None), exports))
        app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)

    return ServiceParts(
        install=install,
        on_connected=[lambda: audit_indexes(context), lambda: _seed(context)],
        jobs=[
            Job(
                "link-requests",
                lambda: links.run(context, wake, settings.link_request_poll_seconds),
            ),
            Job("retention", lambda: run_daily(retention_pass, real_now)),
            Job("audit-retention", lambda: run_daily(audit_pass, real_now)),
            Job("export-purge", lambda: person_export.run_purge(exports, EXPORT_PURGE_SECONDS)),
        ],
    )


async def _seed(context: Context) -> None:
    await office_use_cases.seed_offices(context, load_registry())
    cases = context.store  # cases from before the case list read by month: once
    offices = [office["_id"] for office in await cases.offices()]
    await cases.backfill_created_month(offices)
    # cases from before the search, or all after the platform secret changed
    secret = context.link_secret
    await cases.backfill_search_keys(
        offices, search.key_fingerprint(secret), lambda p: search.keys_of_person(secret, p)
    )


def build(settings: IntakeSettings) -> FastAPI:
    return build_service(DEFINITION, settings, bootstrap)


def run() -> None:
    serve("intake", IntakeSettings, build)


if __name__ == "__main__":
    run()
