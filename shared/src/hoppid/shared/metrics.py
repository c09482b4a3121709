"""Prometheus metrics of one service: RED for HTTP, outbox backlog and age, DLQ and retries.

Each service gets its own registry (not the global one), so several services or test apps can
live in one process. Labels are bounded: service, route template, topic, office — never a person.

They are served on a port of their own (:class:`MetricsServer`, ``HOPPID_METRICS_HOST`` and
``HOPPID_METRICS_PORT``), never on the public HTTP port: some carry an office's figures
(reporting's business gauges), which only the office and the county may read through the API.
"""

from __future__ import annotations

import threading
import time
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class ServiceMetrics:
    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        self.http_requests = Counter(
            "hoppid_http_requests_total",
            "HTTP requests handled",
            ["service", "method", "route", "status"],
            registry=self.registry,
        )
        self.http_duration = Histogram(
            "hoppid_http_request_duration_seconds",
            "HTTP request duration",
            ["service", "method", "route"],
            registry=self.registry,
        )
        self.outbox_backlog = Gauge(
            "hoppid_outbox_backlog_events",
            "Events written to the outbox and not yet published",
            ["service"],
            registry=self.registry,
        )
        self.outbox_oldest_age = Gauge(
            "hoppid_outbox_oldest_event_age_seconds",
            "Age of the oldest unpublished outbox event",
            ["service"],
            registry=self.registry,
        )
        self.outbox_published = Counter(
            "hoppid_outbox_published_events_total",
            "Events the outbox relay published",
            ["service"],
            registry=self.registry,
        )
        self.outbox_parked = Counter(
            "hoppid_outbox_parked_total",
            "Outbox events Kafka will never accept (too large, bad topic): parked, not published",
            ["service", "topic"],
            registry=self.registry,
        )
        self.dlq_events = Counter(
            "hoppid_dlq_events_total",
            "Events sent to a dead-letter topic",
            ["service", "topic"],
            registry=self.registry,
        )
        self.consumer_retries = Counter(
            "hoppid_consumer_retries_total",
            "Handler retries after a transient error",
            ["service", "topic"],
            registry=self.registry,
        )
        self.consumer_lag = Gauge(
            "hoppid_consumer_lag_events",
            "Events on a topic not yet handled by a consumer group",
            ["service", "group", "topic"],
            registry=self.registry,
        )
        self.events_handled = Counter(
            "hoppid_events_handled_total",
            "Events handled by this service's consumers",
            ["service", "topic", "type"],
            registry=self.registry,
        )
        self.events_skipped = Counter(
            "hoppid_events_skipped_total",
            "Events of a type a consumer has no handler for: skipped, not dead-lettered",
            ["service", "topic", "type"],
            registry=self.registry,
        )


class HttpMetrics:
    """ASGI middleware: RED metrics per route template (not per URL: ids in paths would explode
    the labels). Plain ASGI rather than ``app.middleware("http")``, whose BaseHTTPMiddleware
    runs every request through a task of its own and memory streams: CPU on every request."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless a response starts: an exception is a 500 to the client

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            metrics, method = self.metrics, str(scope["method"])
            route = _route_template(scope)  # the router leaves the matched route in the scope
            metrics.http_duration.labels(metrics.service, method, route).observe(
                time.perf_counter() - started
            )
            metrics.http_requests.labels(metrics.service, method, route, str(status)).inc()


def _route_template(scope: Scope) -> str:
    # the router leaves the matched route in the scope; its template, not the URL, is the label
    return str(getattr(scope.get("route"), "path", "unmatched"))


class MetricsServer:
    """The registry's text format at ``http://host:port/metrics``, in a thread of its own
    (prometheus_client's server), apart from the service's public port. Port 0: any free one
    (``port`` tells which). Raises OSError when the port is taken: the service stops at start."""

    def __init__(self, registry: CollectorRegistry, host: str, port: int) -> None:
        self._server: WSGIServer
        self._thread: threading.Thread
        self._server, self._thread = start_http_server(port, addr=host, registry=registry)
        self.host = host
        self.port = int(self._server.server_port)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
