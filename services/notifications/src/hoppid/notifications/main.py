"""notifications' composition root: settings -> clients -> bootstrap -> app. Nothing at import."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from fastapi import FastAPI

from hoppid.contracts import notifications as notification_events
from hoppid.contracts.intake_keys import track_api_keys
from hoppid.notifications import api, consumers, exports, retention, store, web
from hoppid.notifications.composition.templates import Templates
from hoppid.notifications.context import Context
from hoppid.notifications.delivery import scheduler
from hoppid.notifications.delivery.mail import SmtpSender
from hoppid.notifications.delivery.sms import FileSmsGateway
from hoppid.notifications.metrics import NotificationMetrics
from hoppid.notifications.settings import NotificationsSettings
from hoppid.shared.retention import run_daily
from hoppid.shared.serve import serve
from hoppid.shared.service import Job, Runtime, ServiceDefinition, ServiceParts, build_service

DEFINITION = ServiceDefinition(
    name="notifications",
    title="hoppid notifications",
    description="Messages to entrepreneurs and staff, once, in the person's language.",
    indexes=[*store.INDEXES, *exports.INDEXES],
    outbox_collections=(*store.OUTBOX_COLLECTIONS, exports.PERSON_EXPORTS),
    publishes=notification_events.PUBLISHED,
)


def bootstrap(settings: NotificationsSettings, runtime: Runtime) -> ServiceParts:
    """notifications' context, once; the key ring and consumers; routes, pages and pollers."""
    # connections kept open between messages, about one per message handled at once
    mail = SmtpSender(max_kept=settings.consumer_concurrency)
    context = make_context(runtime, settings, mail)
    keys = track_api_keys(runtime, settings.admin_key.get_secret_value())  # for the staff pages
    consumers.install(runtime, context)
    periods = retention.periods(settings)

    async def retention_pass(now: datetime) -> Mapping[str, int]:
        return await retention.one_pass(runtime.database, periods, now)

    def install(app: FastAPI) -> None:
        pages = web.install(app, settings, context, keys)
        # the mailbox API asks for the pages' staff session and key ring per request
        for router in api.routers(settings, context, pages):
            app.include_router(router)

    return ServiceParts(
        install=install,
        jobs=[
            Job(
                "scheduled-deliveries",
                lambda: scheduler.poll(
                    context, lambda: runtime.connected, settings.poll_interval_seconds
                ),
            ),
            Job("retention", lambda: run_daily(retention_pass, context.now)),
        ],
        on_stop=[mail.close],  # QUIT on the connections kept open
    )


def make_context(
    runtime: Runtime, settings: NotificationsSettings, mail: SmtpSender | None = None
) -> Context:
    return Context(
        store=store.NotificationsStore(runtime.database, runtime.own_topic),
        templates=Templates(office_dir=settings.office_templates_dir),
        settings=settings,
        sms=FileSmsGateway(settings.sms_outbox_file),
        metrics=NotificationMetrics(runtime.metrics.registry),
        notify=runtime.relay.notify,
        vault=runtime.vault,
        send_mail=mail or SmtpSender(),
    )


def build(settings: NotificationsSettings) -> FastAPI:
    return build_service(DEFINITION, settings, bootstrap)


def run() -> None:
    serve("notifications", NotificationsSettings, build)


if __name__ == "__main__":
    run()
