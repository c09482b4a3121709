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
        self.digests = Counter(
            "hoppid_notifications_digests_total",
            "Advisors' daily digests: claimed (made and handed to delivery by this process) or "
            "claimed_before (found already claimed for the day, e.g. after a restart)",
            ["outcome"],
            registry=registry,
        )
        self.stuck = Gauge(
            "hoppid_notifications_deliveries_stuck_sending",
            "Deliveries claimed for sending whose result was never recorded (a crash mid-send; "
            "never resent: check them by hand)",
            registry=registry,
        )
