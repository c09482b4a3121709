"""scheduling's composition root: settings -> clients -> its bootstrap -> app. Nothing at import."""

from collections.abc import Mapping
from datetime import datetime, timedelta

from fastapi import FastAPI

from hoppid.contracts import scheduling as scheduling_events
from hoppid.contracts.intake_keys import track_api_keys
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
from hoppid.shared.clock import clock
from hoppid.shared.guards import BodySizeLimit
from hoppid.shared.retention import run_daily
from hoppid.shared.serve import serve
from hoppid.shared.service import Job, Runtime, ServiceDefinition, ServiceParts, build_service
from hoppid.shared.tenancy import load_registry

DEFINITION = ServiceDefinition(
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
)


def bootstrap(settings: SchedulingSettings, runtime: Runtime) -> ServiceParts:
    """scheduling's context and use cases, once; the key ring and consumers; routes and pollers."""
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
    programmes = programme_use.Programmes(
        ctx, programme_store.ProgrammeStore(runtime.database, runtime.own_topic)
    )
    seats = desks.Desks(
        ctx,
        desk_store.DeskStore(runtime.database, runtime.own_topic),
        timedelta(minutes=settings.desk_check_in_grace_minutes),
    )
    keys = track_api_keys(runtime, settings.admin_key.get_secret_value())
    consumers.install(runtime, ctx, programmes, seats)
    periods = retention.periods(settings)

    async def retention_pass(now: datetime) -> Mapping[str, int]:
        return await retention.one_pass(runtime.database, periods, now)

    def install(app: FastAPI) -> None:
        link_secret = settings.link_secret.get_secret_value()
        staff = keys.dependency()
        responses.install_errors(app)
        offices_api.install(app, ctx, staff)
        advisors_api.install(app, ctx, staff)
        meetings_api.install(app, ctx, staff, link_secret)
        programmes_api.install(app, programmes, staff, link_secret)
        desks_api.install(app, seats, staff)
        web_routes.install(app, settings, ctx, programmes, seats, keys)
        app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)

    async def seed() -> None:
        await seed_offices(ctx, load_registry())

    return ServiceParts(
        install=install,
        on_connected=[seed],
        jobs=[
            Job("meeting-reminders", lambda: reminders.run(ctx, settings.reminder_poll_seconds)),
            Job("desk-check-ins", lambda: desks.run(seats, settings.desk_poll_seconds)),
            Job(
                "programme-reminders",
                lambda: programme_use.run_reminders(programmes, settings.reminder_poll_seconds),
            ),
            Job("retention", lambda: run_daily(retention_pass, ctx.now)),
        ],
    )


def build(settings: SchedulingSettings) -> FastAPI:
    return build_service(DEFINITION, settings, bootstrap)


def run() -> None:
    serve("scheduling", SchedulingSettings, build)


if __name__ == "__main__":
    run()
