"""The rate limits of the requests for a new link (the JSON API's and the page's, shared)."""

from __future__ import annotations

import hashlib

from fastapi import Request

from hoppid.intake.model import normalise_email
from hoppid.intake.settings import IntakeSettings
from hoppid.shared.guards import RateLimit


class LinkLimits:
    """Per client address behind the trusted proxies, and per email address asked for (known
    or not: the limit says nothing about the address). In memory, per process, like the
    inquiry form's limit (hoppid.shared.guards.RateLimit)."""

    def __init__(self, settings: IntakeSettings) -> None:
        self.per_client = RateLimit(
            settings.link_requests_per_hour, client_address=settings.client_address()
        )
        self.per_address = RateLimit(settings.link_requests_per_address_per_hour)

    def check(self, request: Request, email: str) -> None:
        """Raise a 429 (HTTPException) when either limit is reached; else count the request."""
        self.per_client.check_request(request)
        digest = hashlib.sha256(normalise_email(email).encode()).hexdigest()
        self.per_address.check(f"email:{digest}")  # the limiter keeps no address in clear
