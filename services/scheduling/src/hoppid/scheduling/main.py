"""scheduling's composition root: settings -> clients -> broker -> app. Nothing runs at import."""

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import FastAPI

from hoppid.scheduling import consumers, context, exports, responses, retention, store
from hoppid.scheduling.advisors import api as advisors_api
from hoppid.scheduling.desks import api as desks_api
from hoppid.scheduling.desks import store as desk_store
from hoppid.scheduling.desks import use_cases as desks
from hoppid.scheduling.meetings import api as meetings_api
from hoppid.scheduling.meetings import reminders
from hoppid.scheduling.offices import api as offices_api
from hoppid.scheduling.offices.use_cases import seed_offices
from hoppid.scheduling.programmes import api as programmes_api
from hoppid.scheduling.programmes import store as programme_store
from hoppid.scheduling.programmes import use_cases as programme_use
from hoppid.scheduling.settings import SchedulingSettings
from hoppid.scheduling.web import routes as web_routes
from hoppid.shared.access import KeyRing
from hoppid.shared.clock import clock
from hoppid.shared.events import scheduling as scheduling_events
from hoppid.shared.guards import BodySizeLimit
from hoppid.shared.retention import run_daily
from hoppid.shared.serve import serve
from hoppid.shared.service import Runtime, ServiceDefinition, build_runtime, create_app
from hoppid.shared.tenancy import load_registry


@dataclass
class Wired:
    """What ``wire`` builds once the runtime exists: the use cases' contexts and the key ring."""

    context: context.Context
    programmes: programme_use.Programmes
    desks: desks.Desks
    keys: KeyRing


def _wire(settings: SchedulingSettings, runtime: Runtime) -> Wired:
    ctx = context.Context(
        store=store.SchedulingStore(
            runtime.database,
            runtime.own_topic,
            timedelta(seconds=settings.claim_grace_seconds),
        ),
        notify=runtime.relay.notify,
        public_url=settings.scheduling_public_url,  # shared: the pages link to it too
        offer_count=settings.offer_count,
        offer_days=settings.offer_days,
        vault=runtime.vault,
        now=clock(settings.dev_clock_file),
    )
    places = programme_store.ProgrammeStore(runtime.database, runtime.own_topic)
    seats = desk_store.DeskStore(runtime.database, runtime.own_topic)
    grace = timedelta(minutes=settings.desk_check_in_grace_minutes)
    return Wired(
        ctx,
        programme_use.Programmes(ctx, places),
        desks.Desks(ctx, seats, grace),
        runtime.key_ring(settings.admin_key.get_secret_value()),
    )


def build(settings: SchedulingSettings) -> FastAPI:
    wired: list[Wired] = []

    def wire(runtime: Runtime) -> None:
        # called by build_runtime before the consumers attach: the context needs the runtime
        wired.append(_wire(settings, runtime))
        consumers.install(runtime, wired[0].context, wired[0].programmes, wired[0].desks)

    async def seed(runtime: Runtime) -> None:
        await seed_offices(wired[0].context, load_registry())

    async def pollers(runtime: Runtime) -> None:
        async def retention_pass(now: datetime) -> Mapping[str, int]:
            return await retention.one_pass(runtime.database, retention.periods(settings), now)

        await asyncio.gather(
            reminders.run(wired[0].context, settings.reminder_poll_seconds),
            desks.run(wired[0].desks, settings.desk_poll_seconds),
            programme_use.run_reminders(wired[0].programmes, settings.reminder_poll_seconds),
            run_daily(retention_pass, wired[0].context.now),
        )

    definition = ServiceDefinition(
        name="scheduling",
        title="hoppid scheduling",
        description="Advisors' time, guidance meetings, courses and camps, office seats.",
        indexes=[
            *store.INDEXES,
            *programme_store.INDEXES,
            *desk_store.INDEXES,
            *exports.INDEXES,
            *retention.INDEXES,
        ],
        outbox_collections=(
            *store.OUTBOX_COLLECTIONS,
            programme_store.PROGRAMMES,
            desk_store.SEAT_BOOKINGS,
            exports.PERSON_EXPORTS,
        ),
        publishes=scheduling_events.PUBLISHED,
        consumers=wire,
        on_connected=seed,
        background=pollers,
    )
    runtime = build_runtime(definition, settings)
    app = create_app(runtime)
    link_secret = settings.link_secret.get_secret_value()
    done = wired[0]
    staff = done.keys.dependency()
    responses.install_errors(app)
    offices_api.install(app, done.context, staff)
    advisors_api.install(app, done.context, staff)
    meetings_api.install(app, done.context, staff, link_secret)
    programmes_api.install(app, done.programmes, staff, link_secret)
    desks_api.install(app, done.desks, staff)
    web_routes.install(app, settings, done.context, done.programmes, done.desks, done.keys)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app


def run() -> None:
    serve("scheduling", SchedulingSettings, build)


if __name__ == "__main__":
    run()
