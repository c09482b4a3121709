"""The platform's staff keys in a service that does not issue them (all but intake).

intake issues and revokes keys and publishes ``api_key.issued`` / ``api_key.revoked`` (hash
only); a service that checks staff keys keeps its own copy from those events in a
:class:`~hoppid.shared.access.KeyRing`. This wiring lives here, not in the generic runtime
(hoppid.shared.service), so the runtime knows no service's events: it is part of intake's
contract package, beside the key events it follows.
"""

from __future__ import annotations

from hoppid.contracts.intake import ApiKeyIssued, ApiKeyRevoked
from hoppid.shared.access import KeyRing
from hoppid.shared.envelope import Envelope
from hoppid.shared.events.base import Event, expected
from hoppid.shared.service import Runtime
from hoppid.shared.staff_sessions import StaffSessions

GROUP = "api-keys"


def track_api_keys(runtime: Runtime, admin_key: str = "") -> KeyRing:
    """A key ring kept up to date from intake's key events, by a consumer group of its own.

    Call it from the service's bootstrap (the consumer groups subscribe when it returns)."""
    settings = runtime.settings
    sessions = StaffSessions.of(runtime.mongo, settings)  # shared: sign-out ends it everywhere
    ring = KeyRing(runtime.database, admin_key, settings.failure_limit(), sessions)
    consumer = runtime.consumer(GROUP, [runtime.topics.domain("intake")])

    @consumer.on(ApiKeyIssued.event_type)
    async def issued(event: Event, envelope: Envelope) -> None:
        key = expected(event, ApiKeyIssued)
        await ring.remember(key.key_id, key.office_id, key.role, key.key_hash, key.issued_at)

    @consumer.on(ApiKeyRevoked.event_type)
    async def revoked(event: Event, envelope: Envelope) -> None:
        key = expected(event, ApiKeyRevoked)
        await ring.forget(key.key_id, key.revoked_at)

    return ring
