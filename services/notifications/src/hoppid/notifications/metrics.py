"""notifications's own metrics, in the service's registry. Labels are bounded: no person."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge


class NotificationMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.messages = Counter(
            "hoppid_notifications_messages_total",
            "Messages by outcome: sent, failed, suppressed, retried (a transient failure)",
            ["channel", "message", "outcome"],
            registry=registry,
        )
        self.digest_passes = Counter(
            "hoppid_notifications_digest_passes_total",
            "Passes over the advisors for the day's digest (one per day and process: each "
            "digest itself is claimed once per advisor and day)",
            registry=registry,
        )
        self.stuck = Gauge(
            "hoppid_notifications_deliveries_stuck_sending",
            "Deliveries claimed for sending whose result was never recorded (a crash mid-send; "
            "never resent: check them by hand)",
            registry=registry,
        )
