"""The skeleton every service is built on: one composition root, nothing done at import time.

A service describes itself in a :class:`ServiceDefinition` (its name, indexes, outbox
collections, the events it publishes) and one ``bootstrap(settings, runtime)`` function that
builds its context once, attaches its consumers through ``runtime.consumer`` and returns its
:class:`ServiceParts`: how to install its routes on the app, its on-connected steps and its
background jobs. :func:`build_service` makes the clients (no I/O yet), runs the bootstrap and
makes the FastAPI app, whose lifespan connects in the background: the HTTP server is up at once,
``/readyz`` says 503 until Kafka and the store answer, and an outage later never stops the
process (no crash loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.monitoring import CommandListener

from hoppid.shared import lag
from hoppid.shared.asyncapi import asyncapi_document, declare_publications
from hoppid.shared.consumer import EventConsumer
from hoppid.shared.envelope import Envelope
from hoppid.shared.events.base import Event
from hoppid.shared.events.catalogue import catalogue
from hoppid.shared.health import flag_check, health_router, kafka_check, mongo_check
from hoppid.shared.kafka import (
    KafkaSecurity,
    Topics,
    ensure_topics,
    make_broker,
    send_envelope,
)
from hoppid.shared.metrics import HttpMetrics, MetricsServer, ServiceMetrics
from hoppid.shared.mongo import IndexSpec, apply_indexes, make_mongo_client
from hoppid.shared.outbox import OutboxRelay
from hoppid.shared.pii import PersonalDataVault, vault_kek
from hoppid.shared.problems import document_problems, install_problem_handlers
from hoppid.shared.query_shapes import QueryShapeRecorder
from hoppid.shared.settings import ServiceSettings
from hoppid.shared.staff_sessions import StaffSessions
from hoppid.shared.web.bounds import no_nul_characters

log = logging.getLogger("hoppid.service")

MAX_CONNECT_BACKOFF_SECONDS = 30.0


@dataclass
class Runtime:
    """Everything a running service holds: made once by :func:`build_runtime`."""

    definition: ServiceDefinition
    settings: ServiceSettings
    metrics: ServiceMetrics
    topics: Topics
    broker: KafkaBroker
    mongo: AsyncMongoClient[dict[str, Any]]
    database: AsyncDatabase[dict[str, Any]]
    relay: OutboxRelay
    vault: PersonalDataVault
    consumers: list[EventConsumer] = field(default_factory=list)
    consumers_attached: bool = False  # after the bootstrap: a consumer made later would not run
    connected: bool = False
    metrics_server: MetricsServer | None = None  # while the app runs (its lifespan)

    @property
    def own_topic(self) -> str:
        return self.topics.domain(self.definition.name)

    def consumer(self, group: str, topics: Sequence[str]) -> EventConsumer:
        """A consumer group of this service over ``topics``; attach handlers with ``.on()``.

        Only from the service's bootstrap: the groups subscribe when it returns."""
        if self.consumers_attached:
            raise RuntimeError(
                f"consumer group {group!r} made after the bootstrap: make it in the bootstrap"
            )
        consumer = EventConsumer(
            broker=self.broker,
            group_id=f"{self.settings.topic_prefix}hoppid.{self.definition.name}.{group}",
            topics=tuple(topics),
            catalogue=catalogue,
            metrics=self.metrics,
            offices=self.settings.offices,
            max_retries=self.settings.consumer_max_retries,
            retry_base_seconds=self.settings.consumer_retry_base_seconds,
            vault=self.vault,
        )
        self.consumers.append(consumer)
        return consumer

    def all_topics(self) -> list[str]:
        """The topics this service writes or reads, with their dead-letter topics."""
        topics = [self.own_topic, *self.definition.extra_topics(self.topics)]
        for consumer in self.consumers:
            topics.extend(consumer.topics)
        return list(dict.fromkeys([*topics, *(Topics.dlq(t) for t in topics)]))


Step = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Job:
    """Long-running work once the service is connected (a poller, the daily retention pass).

    ``run`` makes a fresh coroutine at each call: a job that fails is logged and started again
    on its own, never taking the relay or the other jobs with it."""

    name: str
    run: Step


def _no_routes(app: FastAPI) -> None:
    return None


@dataclass(frozen=True)
class ServiceParts:
    """What a service's bootstrap hands the runtime, built once around the service's context."""

    # routes and pages, and the service's own middleware and error handlers (after the shared)
    install: Callable[[FastAPI], None] = _no_routes
    # once Kafka and the store answer, in order (all again after a failed attempt): seed data
    on_connected: Sequence[Step] = ()
    # started once connected, beside the outbox relay, each supervised, until shutdown
    jobs: Sequence[Job] = ()
    # at shutdown, after the jobs stopped: close what the service opened itself
    on_stop: Sequence[Step] = ()


@dataclass(frozen=True)
class ServiceDefinition:
    """What a service is, without I/O or a context: the runtime needs it before the bootstrap."""

    name: str
    title: str
    description: str
    version: str = "0.1.0"
    indexes: Sequence[IndexSpec] = ()
    outbox_collections: Sequence[str] = ()
    publishes: Sequence[type[Event]] = ()
    # topics beyond its own and its consumers' (reporting's public topic)
    extra_topics: Callable[[Topics], Iterable[str]] = lambda topics: ()


S = TypeVar("S", bound=ServiceSettings)
Bootstrap = Callable[[S, Runtime], ServiceParts]


def build_service(definition: ServiceDefinition, settings: S, bootstrap: Bootstrap[S]) -> FastAPI:
    """The service's app: clients, then its bootstrap (once), then its consumers subscribe.
    No I/O happens here; the app's lifespan connects."""
    runtime = build_runtime(definition, settings)
    parts = bootstrap(settings, runtime)
    for consumer in runtime.consumers:
        consumer.attach()
    runtime.consumers_attached = True
    return create_app(runtime, parts)


def build_runtime(definition: ServiceDefinition, settings: ServiceSettings) -> Runtime:
    """Make the clients. No I/O happens here."""
    metrics = ServiceMetrics(definition.name)
    broker = make_broker(
        settings,
        client_id=f"hoppid-{definition.name}",
        middlewares=[
            KafkaPrometheusMiddleware(registry=metrics.registry, app_name=definition.name)
        ],
    )
    listeners: list[CommandListener] = []
    if settings.mongodb_query_log is not None:
        path = settings.mongodb_query_log / f"{definition.name}.jsonl"
        listeners.append(QueryShapeRecorder(path, settings.database_of(definition.name)))
    mongo = make_mongo_client(
        settings.mongodb_url, timeout_seconds=settings.mongodb_timeout_seconds, listeners=listeners
    )
    database = mongo[settings.database_of(definition.name)]

    async def publish(topic: str, envelope: Envelope) -> Awaitable[object]:
        # the relay hands a pass's events over in order and awaits their acks together
        return await send_envelope(broker, topic, envelope)

    relay = OutboxRelay(
        database,
        definition.outbox_collections,
        publish,
        metrics,
        interval_seconds=settings.outbox_relay_interval_seconds,
    )
    topics = Topics(settings.topic_prefix)
    vault = PersonalDataVault(
        mongo[settings.vault_database_name()], vault_kek(settings.link_secret.get_secret_value())
    )
    runtime = Runtime(definition, settings, metrics, topics, broker, mongo, database, relay, vault)
    declare_publications(broker, runtime.own_topic, definition.publishes)
    return runtime


async def _connect(runtime: Runtime, on_connected: Sequence[Step]) -> None:
    """Until it works: indexes, topics, broker start. Kafka or the store may come up later."""
    settings = runtime.settings
    delay = 1.0
    while True:
        try:
            await apply_indexes(runtime.database, runtime.definition.indexes)
            # the staff sessions every service reads live in a database the services share
            await StaffSessions.of(runtime.mongo, settings).ensure_indexes()
            await ensure_topics(
                settings.kafka_bootstrap_servers,
                runtime.all_topics(),
                partitions=settings.topic_partitions,
                replication=settings.topic_replication,
                security=KafkaSecurity.of(settings),
            )
            await runtime.broker.start()
            for step in on_connected:
                await step()
            runtime.connected = True
            log.info("connected to Kafka and the store")
            return
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning("cannot connect yet, retrying in %.0fs: %s", delay, error)
            with contextlib.suppress(Exception):
                await runtime.broker.stop()
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_CONNECT_BACKOFF_SECONDS)


JOB_RESTART_SECONDS = 5.0


async def _supervised(job: Job) -> None:
    """Run a background job; if it fails, log it and start it again (never take the service
    down, never stop the relay or another job beside it)."""
    while True:
        try:
            await job.run()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background job %s failed; restarting it in 5s", job.name)
            await asyncio.sleep(JOB_RESTART_SECONDS)


async def _run(runtime: Runtime, parts: ServiceParts) -> None:
    await _connect(runtime, parts.on_connected)
    groups = {c.group_id: c.topics for c in runtime.consumers}
    work = [_supervised(job) for job in parts.jobs]
    if groups:
        work.append(
            lag.watch(
                runtime.settings.kafka_bootstrap_servers,
                groups,
                runtime.metrics.consumer_lag,
                runtime.definition.name,
                security=KafkaSecurity.of(runtime.settings),
            )
        )
    if runtime.definition.outbox_collections:
        work.append(runtime.relay.run())
    await asyncio.gather(*work)


@asynccontextmanager
async def _running(runtime: Runtime, parts: ServiceParts) -> AsyncIterator[None]:
    """The app's lifespan: HTTP serves at once while the runtime connects beside it."""
    settings, name = runtime.settings, runtime.definition.name
    # /metrics on a port of its own, never the public one (offices' figures are on it)
    server = MetricsServer(runtime.metrics.registry, settings.metrics_host, settings.metrics_port)
    runtime.metrics_server = server
    log.info("metrics at http://%s:%d/metrics", server.host, server.port)
    task = asyncio.create_task(_run(runtime, parts), name=f"{name}-runtime")
    try:
        yield
    finally:
        await asyncio.to_thread(server.close)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        for step in parts.on_stop:
            try:
                await step()
            except Exception as error:
                log.warning("a step at shutdown failed: %s", error)
        with contextlib.suppress(Exception):
            await runtime.broker.stop()
        await runtime.mongo.close()


def create_app(runtime: Runtime, parts: ServiceParts) -> FastAPI:
    definition, settings = runtime.definition, runtime.settings
    app = FastAPI(
        title=definition.title,
        description=definition.description,
        version=definition.version,
        lifespan=lambda app: _running(runtime, parts),
        # a NUL character in any path, query or body value is a 422 naming the field
        dependencies=[Depends(no_nul_characters)],
    )
    app.state.runtime = runtime
    install_problem_handlers(app, store_retry_after_seconds=settings.store_retry_after_seconds)
    document_problems(app)
    app.add_middleware(HttpMetrics, metrics=runtime.metrics)
    checks = {
        "kafka": kafka_check(
            settings.kafka_bootstrap_servers,
            settings.readiness_timeout_seconds,
            KafkaSecurity.of(settings),
        ),
        "store": mongo_check(runtime.mongo),
        "consumers": flag_check(lambda: runtime.connected, "the Kafka broker connection"),
    }
    app.include_router(health_router(checks, settings.readiness_timeout_seconds))
    app.include_router(_operations_router(runtime))
    parts.install(app)
    return app


def _operations_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["operations"])
    definition = runtime.definition

    @router.get("/asyncapi.json", summary="AsyncAPI: the events published and consumed")
    async def asyncapi() -> JSONResponse:
        document = asyncapi_document(
            runtime.broker,
            title=f"{definition.title} events",
            version=definition.version,
            description=definition.description,
        )
        return JSONResponse(document)

    return router
