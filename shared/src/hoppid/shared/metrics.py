"""Prometheus metrics of one service: RED for HTTP, outbox backlog and age, DLQ and retries.

Each service gets its own registry (not the global one), so several services or test apps can
live in one process. Labels are bounded: service, route template, topic, office — never a person.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.requests import Request
from starlette.responses import Response


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

    async def http_middleware(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        """RED metrics per route template (not per URL: ids in paths would explode the labels)."""
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            route = _route_template(request)
            self.http_duration.labels(self.service, request.method, route).observe(
                time.perf_counter() - started
            )
            self.http_requests.labels(self.service, request.method, route, str(status)).inc()


def _route_template(request: Request) -> str:
    # the router leaves the matched route in the scope; its template, not the URL, is the label
    return str(getattr(request.scope.get("route"), "path", "unmatched"))
