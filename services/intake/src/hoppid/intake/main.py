"""intake's composition root: settings -> clients -> broker -> app. Nothing runs at import."""

import asyncio
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI

from hoppid.intake import (
    accounts,
    api,
    api_exports,
    handlers,
    person_export,
    retention,
    search,
    store,
    web,
)
from hoppid.intake.handlers import links
from hoppid.intake.settings import IntakeSettings
from hoppid.intake.web.export import router as export_pages
from hoppid.shared.clock import real_now
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.events import intake as intake_events
from hoppid.shared.events import notifications as notification_events
from hoppid.shared.events import scheduling as scheduling_events
from hoppid.shared.guards import BodySizeLimit
from hoppid.shared.retention import run_daily
from hoppid.shared.serve import serve
from hoppid.shared.service import Runtime, ServiceDefinition, build_runtime, create_app
from hoppid.shared.tenancy import load_registry

EXPORT_PURGE_SECONDS = 600.0  # how often exports past their time are deleted


def build(settings: IntakeSettings) -> FastAPI:
    contexts: list[handlers.Context] = []
    exports: list[person_export.Exports] = []
    wake = asyncio.Event()  # a link request arrived

    async def background(runtime: Runtime) -> None:
        periods = retention.periods(settings)

        async def retention_pass(now: datetime) -> Mapping[str, int]:
            return await retention.one_pass(contexts[0], periods, now)

        await asyncio.gather(
            links.run(contexts[0], wake, settings.link_request_poll_seconds),
            run_daily(retention_pass, real_now),
            person_export.run_purge(exports[0], EXPORT_PURGE_SECONDS),
        )

    async def seed(runtime: Runtime) -> None:
        await handlers.seed_offices(contexts[0], load_registry())
        store = contexts[0].store  # cases from before the case list read by month: once
        offices = [office["_id"] for office in await store.offices()]
        await store.backfill_created_month(offices)
        # cases from before the search, or all after the platform secret changed
        secret = contexts[0].link_secret
        await store.backfill_search_keys(
            offices, search.key_fingerprint(secret), lambda p: search.keys_of_person(secret, p)
        )

    definition = ServiceDefinition(
        name="intake",
        title="hoppid intake",
        description="Entrepreneurs, inquiries and cases, for every office.",
        indexes=[*store.INDEXES, *person_export.INDEXES, *accounts.INDEXES],
        outbox_collections=(*store.OUTBOX_COLLECTIONS, person_export.EXPORTS),
        publishes=intake_events.PUBLISHED,
        consumers=lambda runtime: _export_parts(runtime, exports),
        on_connected=seed,
        background=background,
    )
    runtime = build_runtime(definition, settings)
    context = handlers.Context(
        store=store.IntakeStore(runtime.database, runtime.own_topic),
        link_secret=settings.link_secret.get_secret_value(),
        link_days=settings.link_days,
        notify=runtime.relay.notify,
        vault=runtime.vault,
        wake_links=links.waker(wake),
    )
    contexts.append(context)
    timeout = timedelta(seconds=settings.export_timeout_seconds)
    exports.append(
        person_export.Exports(context, timeout, timedelta(hours=settings.export_keep_hours))
    )
    app = create_app(runtime)
    api.install(app, context, settings)
    app.include_router(api_exports.router(exports[0]))
    app.include_router(export_pages(web.build_pages(settings, None), exports[0]))
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app


def _export_parts(runtime: Runtime, exports: list[person_export.Exports]) -> None:
    """The other services' parts of people's exports, from their topics (idempotent)."""
    answers = [
        ("scheduling", scheduling_events.SchedulingExportAnswered),
        ("notifications", notification_events.NotificationsExportAnswered),
    ]
    topics = [runtime.topics.domain(service) for service, _ in answers]
    consumer = runtime.consumer("export-parts", topics)
    for service, model in answers:

        def kept(service: str) -> Any:
            async def handle(event: Event, envelope: Envelope) -> None:
                await person_export.receive_part(exports[0], service, event, envelope)

            return handle

        consumer.on(model.event_type)(kept(service))


def run() -> None:
    serve("intake", IntakeSettings, build)


if __name__ == "__main__":
    run()
