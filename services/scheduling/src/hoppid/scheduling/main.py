"""scheduling's composition root: settings -> clients -> broker -> app. Nothing runs at import."""

from datetime import timedelta

from fastapi import FastAPI

from hoppid.scheduling import api, consumers, handlers, reminders, store
from hoppid.scheduling.settings import SchedulingSettings
from hoppid.shared.access import KeyRing
from hoppid.shared.events import scheduling as scheduling_events
from hoppid.shared.guards import BodySizeLimit
from hoppid.shared.serve import serve
from hoppid.shared.service import Runtime, ServiceDefinition, build_runtime, create_app
from hoppid.shared.tenancy import load_registry


def build(settings: SchedulingSettings) -> FastAPI:
    contexts: list[handlers.Context] = []
    rings: list[KeyRing] = []

    def wire(runtime: Runtime) -> None:
        # called by build_runtime before the consumers attach: the context needs the runtime
        context = handlers.Context(
            store=store.SchedulingStore(
                runtime.database,
                runtime.own_topic,
                runtime.locks,
                timedelta(seconds=settings.claim_grace_seconds),
            ),
            notify=runtime.relay.notify,
            public_url=settings.public_url,
            offer_count=settings.offer_count,
            offer_days=settings.offer_days,
        )
        contexts.append(context)
        rings.append(runtime.key_ring(settings.admin_key.get_secret_value()))
        consumers.install(runtime, context)

    async def seed(runtime: Runtime) -> None:
        await handlers.seed_offices(contexts[0], load_registry())

    async def remind(runtime: Runtime) -> None:
        await reminders.run(contexts[0], settings.reminder_poll_seconds)

    definition = ServiceDefinition(
        name="scheduling",
        title="hoppid scheduling",
        description="Advisors' time, guidance meetings, courses and camps, office seats.",
        indexes=store.INDEXES,
        outbox_collections=store.OUTBOX_COLLECTIONS,
        publishes=scheduling_events.PUBLISHED,
        consumers=wire,
        on_connected=seed,
        background=remind,
    )
    runtime = build_runtime(definition, settings)
    app = create_app(runtime)
    api.install(app, contexts[0], rings[0], settings.link_secret.get_secret_value())
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app


def run() -> None:
    serve("scheduling", SchedulingSettings, build)


if __name__ == "__main__":
    run()
