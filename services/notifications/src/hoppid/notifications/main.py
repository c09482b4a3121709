"""notifications: the composition root (settings -> clients -> broker -> app); no import effects."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from fastapi import FastAPI

from hoppid.notifications import api, consumers, exports, retention, store, web
from hoppid.notifications.composition.templates import Templates
from hoppid.notifications.context import Context
from hoppid.notifications.delivery import scheduler
from hoppid.notifications.delivery.mail import SmtpSender
from hoppid.notifications.delivery.sms import FileSmsGateway
from hoppid.notifications.metrics import NotificationMetrics
from hoppid.notifications.settings import NotificationsSettings
from hoppid.shared.access import KeyRing
from hoppid.shared.events import notifications as notification_events
from hoppid.shared.retention import run_daily
from hoppid.shared.serve import serve
from hoppid.shared.service import Runtime, ServiceDefinition, build_runtime, create_app
from hoppid.shared.web import Pages


def build(settings: NotificationsSettings) -> FastAPI:
    contexts: list[Context] = []
    # connections kept open between messages, about one per message handled at once
    mail = SmtpSender(max_kept=settings.consumer_concurrency)
    rings: list[KeyRing] = []  # staff keys (from intake's key events) for the staff pages
    pages: list[Pages] = []  # made after the routes: the mailbox API asks for them per request

    def wire(runtime: Runtime) -> None:  # called by build_runtime, before the broker starts
        context = make_context(runtime, settings, mail)
        contexts.append(context)
        rings.append(runtime.key_ring(settings.admin_key.get_secret_value()))
        consumers.install(runtime, context)

    definition = ServiceDefinition(
        name="notifications",
        title="hoppid notifications",
        description="Messages to entrepreneurs and staff, once, in the person's language.",
        indexes=[*store.INDEXES, *exports.INDEXES, *retention.INDEXES],
        outbox_collections=(*store.OUTBOX_COLLECTIONS, exports.PERSON_EXPORTS),
        publishes=notification_events.PUBLISHED,
        consumers=wire,
        routes=lambda runtime: api.routers(settings, lambda: contexts[0], lambda: pages[0]),
    )
    runtime = build_runtime(definition, settings)
    app = create_app(runtime)
    context = contexts[0]
    pages.append(web.install(app, settings, lambda: context, rings[0]))
    periods = retention.periods(settings)

    async def retention_pass(now: datetime) -> Mapping[str, int]:
        return await retention.one_pass(runtime.database, periods, now)

    async def work() -> None:
        await asyncio.gather(
            scheduler.poll(context, lambda: runtime.connected, settings.poll_interval_seconds),
            run_daily(retention_pass, context.now),
        )

    _run_beside(app, work, after=mail.close)  # after: QUIT on the connections kept open
    return app


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


def _run_beside(
    app: FastAPI,
    work: Callable[[], Coroutine[Any, Any, None]],
    after: Callable[[], Awaitable[None]],
) -> None:
    """Run a background coroutine for the app's lifetime, inside the skeleton's lifespan, and
    ``after`` once it is stopped."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with inner(app):
            task = asyncio.create_task(work(), name="notifications-scheduler")
            try:
                yield
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
                with contextlib.suppress(Exception):
                    await after()

    app.router.lifespan_context = lifespan


def run() -> None:
    serve("notifications", NotificationsSettings, build)


if __name__ == "__main__":
    run()
