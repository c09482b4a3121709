"""intake's composition root: settings -> clients -> broker -> app. Nothing runs at import."""

from fastapi import FastAPI

from hoppid.intake import api, handlers, store
from hoppid.intake.settings import IntakeSettings
from hoppid.shared.events import intake as intake_events
from hoppid.shared.guards import BodySizeLimit
from hoppid.shared.serve import serve
from hoppid.shared.service import Runtime, ServiceDefinition, build_runtime, create_app
from hoppid.shared.tenancy import load_registry


def build(settings: IntakeSettings) -> FastAPI:
    contexts: list[handlers.Context] = []

    async def seed(runtime: Runtime) -> None:
        await handlers.seed_offices(contexts[0], load_registry())
        store = contexts[0].store  # cases from before the case list read by month: once
        await store.backfill_created_month([office["_id"] for office in await store.offices()])

    definition = ServiceDefinition(
        name="intake",
        title="hoppid intake",
        description="Entrepreneurs, inquiries and cases, for every office.",
        indexes=store.INDEXES,
        outbox_collections=store.OUTBOX_COLLECTIONS,
        publishes=intake_events.PUBLISHED,
        on_connected=seed,
    )
    runtime = build_runtime(definition, settings)
    context = handlers.Context(
        store=store.IntakeStore(runtime.database, runtime.own_topic),
        link_secret=settings.link_secret.get_secret_value(),
        link_days=settings.link_days,
        notify=runtime.relay.notify,
        vault=runtime.vault,
    )
    contexts.append(context)
    app = create_app(runtime)
    api.install(app, context, settings)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app


def run() -> None:
    serve("intake", IntakeSettings, build)


if __name__ == "__main__":
    run()
