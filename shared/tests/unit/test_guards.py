from typing import Any

import pytest
from fastapi import HTTPException
from starlette.requests import Request

from hoppid.shared.guards import ClientAddress, FailureLimit, RateLimit


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.at = 1000.0

    def __call__(self) -> float:
        return self.at


def request(peer: str, *forwarded: str) -> Request:
    headers: list[tuple[bytes, bytes]] = [(b"x-forwarded-for", f.encode()) for f in forwarded]
    scope: dict[str, Any] = {"type": "http", "client": (peer, 5000), "headers": headers}
    return Request(scope)


def test_the_limit_remembers_a_bounded_number_of_addresses() -> None:
    limit = RateLimit(1, max_clients=100)
    for n in range(10_000):  # an attacker with a new address each time
        limit.check(f"10.0.{n // 250}.{n % 250}")
    assert len(limit._counts) == 100
    with pytest.raises(HTTPException):  # the most recent are still counted
        limit.check("10.0.39.249")


def test_failures_leave_the_window() -> None:
    ticks = Ticks()
    failures = FailureLimit(2, window=60, now=ticks)
    failures.failed("a")
    failures.failed("a")
    with pytest.raises(HTTPException) as refused:
        failures.check("a")
    assert refused.value.status_code == 429
    assert refused.value.headers == {"Retry-After": "61"}
    failures.check("b")
    ticks.at += 61
    failures.check("a")


def test_the_client_behind_trusted_proxies() -> None:
    direct = ClientAddress()
    assert direct(request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"  # nobody trusted
    behind = ClientAddress(["10.0.0.0/8", "192.0.2.1"])
    assert behind(request("10.1.2.3", "203.0.113.7")) == "203.0.113.7"
    # hops the client wrote itself sit left of what the proxies add: the right-most untrusted
    assert behind(request("10.1.2.3", "198.51.100.1, 203.0.113.7, 192.0.2.1")) == "203.0.113.7"
    assert behind(request("10.1.2.3", "198.51.100.1", "203.0.113.7")) == "203.0.113.7"
    # an untrusted peer's header is ignored
    assert behind(request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"
    assert behind(request("10.1.2.3")) == "10.1.2.3"
    assert behind(request("10.1.2.3", "not-an-address")) == "not-an-address"
