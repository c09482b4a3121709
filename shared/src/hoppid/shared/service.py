"""The skeleton every service is built on: one composition root, nothing done at import time.

A service describes itself in a :class:`ServiceDefinition` (its name, indexes, outbox
collections, the events it publishes, its consumers and routes). :func:`build_runtime` makes the
clients (no I/O yet) and :func:`create_app` the FastAPI app, whose lifespan connects in the
background: the HTTP server is up at once, ``/readyz`` says 503 until Kafka and the store answer,
and an outage later never stops the process (no crash loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.monitoring import CommandListener

from hoppid.shared import lag
from hoppid.shared.access import KeyRing
from hoppid.shared.asyncapi import asyncapi_document, declare_publications
from hoppid.shared.consumer import EventConsumer
from hoppid.shared.envelope import Envelope
from hoppid.shared.events.base import Event, expected
from hoppid.shared.events.catalogue import catalogue
from hoppid.shared.events.intake import ApiKeyIssued, ApiKeyRevoked
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
    connected: bool = False
    metrics_server: MetricsServer | None = None  # while the app runs (its lifespan)

    @property
    def own_topic(self) -> str:
        return self.topics.domain(self.definition.name)

    def consumer(self, group: str, topics: Sequence[str]) -> EventConsumer:
        """A consumer group of this service over ``topics``; attach handlers with ``.on()``."""
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

    def key_ring(self, admin_key: str = "") -> KeyRing:
        """The platform's staff API keys, kept up to date from intake's key events.

        Call it from the definition's ``consumers`` hook (consumers attach after it runs)."""
        sessions = StaffSessions.of(self.mongo, self.settings)
        ring = KeyRing(self.database, admin_key, self.settings.failure_limit(), sessions)
        consumer = self.consumer("api-keys", [self.topics.domain("intake")])

        @consumer.on(ApiKeyIssued.event_type)
        async def issued(event: Event, envelope: Envelope) -> None:
            key = expected(event, ApiKeyIssued)
            await ring.remember(key.key_id, key.office_id, key.role, key.key_hash, key.issued_at)

        @consumer.on(ApiKeyRevoked.event_type)
        async def revoked(event: Event, envelope: Envelope) -> None:
            key = expected(event, ApiKeyRevoked)
            await ring.forget(key.key_id, key.revoked_at)

        return ring

    def all_topics(self) -> list[str]:
        """The topics this service writes or reads, with their dead-letter topics."""
        topics = [self.own_topic, *self.definition.extra_topics(self.topics)]
        for consumer in self.consumers:
            topics.extend(consumer.topics)
        return list(dict.fromkeys([*topics, *(Topics.dlq(t) for t in topics)]))


async def _nothing(runtime: Runtime) -> None:
    return None


@dataclass(frozen=True)
class ServiceDefinition:
    name: str
    title: str
    description: str
    version: str = "0.1.0"
    indexes: Sequence[IndexSpec] = ()
    outbox_collections: Sequence[str] = ()
    publishes: Sequence[type[Event]] = ()
    # hooks that wire the service's own parts into the runtime
    consumers: Callable[[Runtime], None] = lambda runtime: None
    routes: Callable[[Runtime], Iterable[APIRouter]] = lambda runtime: ()
    extra_topics: Callable[[Topics], Iterable[str]] = lambda topics: ()
    # runs once Kafka and the store answer (and again after a failed attempt): seed data here
    on_connected: Callable[[Runtime], Awaitable[None]] = _nothing
    # long-running work once connected (pollers); runs beside the outbox relay until shutdown
    background: Callable[[Runtime], Awaitable[None]] = _nothing


def build_runtime(definition: ServiceDefinition, settings: ServiceSettings) -> Runtime:
    """Make the clients and wire the consumers. No I/O happens here."""
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
    definition.consumers(runtime)
    for consumer in runtime.consumers:
        consumer.attach()
    return runtime


async def _connect(runtime: Runtime) -> None:
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
            await runtime.definition.on_connected(runtime)
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


async def _supervised(job: Callable[[Runtime], Awaitable[None]], runtime: Runtime) -> None:
    """Run a background job; if it fails, log it and start it again (never take the service
    down, never stop the relay beside it)."""
    while True:
        try:
            await job(runtime)
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background job failed; restarting it in 5s")
            await asyncio.sleep(5)


async def _run(runtime: Runtime) -> None:
    await _connect(runtime)
    groups = {c.group_id: c.topics for c in runtime.consumers}
    work = [_supervised(runtime.definition.background, runtime)]
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
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    runtime: Runtime = app.state.runtime
    settings, name = runtime.settings, runtime.definition.name
    # /metrics on a port of its own, never the public one (offices' figures are on it)
    server = MetricsServer(runtime.metrics.registry, settings.metrics_host, settings.metrics_port)
    runtime.metrics_server = server
    log.info("metrics at http://%s:%d/metrics", server.host, server.port)
    task = asyncio.create_task(_run(runtime), name=f"{name}-runtime")
    try:
        yield
    finally:
        await asyncio.to_thread(server.close)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        with contextlib.suppress(Exception):
            await runtime.broker.stop()
        await runtime.mongo.close()


def create_app(runtime: Runtime) -> FastAPI:
    definition, settings = runtime.definition, runtime.settings
    app = FastAPI(
        title=definition.title,
        description=definition.description,
        version=definition.version,
        lifespan=_lifespan,
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
    for router in definition.routes(runtime):
        app.include_router(router)
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
