"""HTTP guards every public endpoint needs: a body size limit (413), a rate limit (429), a
throttle on failed authentication (429), and the client's address behind trusted proxies."""

from __future__ import annotations

import json
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from ipaddress import ip_address, ip_network

from fastapi import HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    """ASGI middleware: refuse a body over ``max_bytes`` with 413, also when it is streamed
    without a Content-Length (counted as it arrives, never buffered beyond the limit)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {
                "type": "about:blank",
                "title": "Content Too Large",
                "status": 413,
                "detail": f"the request body is over {self.max_bytes} bytes",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _RecentCounts:
    """Events per client in a sliding window, for at most ``max_clients`` clients: the client
    seen longest ago is forgotten first, so an attacker who changes address on every request
    cannot grow it beyond that."""

    def __init__(
        self, window: float, max_clients: int, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.window = window
        self.max_clients = max_clients
        self.now = now
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()

    def recent(self, client: str) -> deque[float]:
        """The client's events within the window (oldest first)."""
        hits = self._seen.get(client)
        if hits is None:
            return deque()
        cutoff = self.now() - self.window
        while hits and hits[0] <= cutoff:
            hits.popleft()
        return hits

    def add(self, client: str) -> None:
        hits = self.recent(client)
        hits.append(self.now())
        self._seen[client] = hits
        self._seen.move_to_end(client)
        while len(self._seen) > self.max_clients:
            self._seen.popitem(last=False)

    def retry_after(self, client: str) -> int:
        hits = self.recent(client)
        return int(hits[0] + self.window - self.now()) + 1 if hits else 1

    def __len__(self) -> int:
        return len(self._seen)


class _PerClientLimit:
    """``limit`` events per client address in a sliding ``window`` (seconds), at most
    ``max_clients`` addresses remembered; the address is the one behind trusted proxies."""

    def __init__(
        self,
        limit: int,
        window: float = 3600.0,
        max_clients: int = 100_000,
        client_address: ClientAddress | None = None,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.client_address = client_address or ClientAddress()
        self._counts = _RecentCounts(window, max_clients, now)

    def _refuse_when_full(self, client: str, detail: str) -> None:
        if len(self._counts.recent(client)) >= self.limit:
            raise HTTPException(
                429, detail, headers={"Retry-After": str(self._counts.retry_after(client))}
            )


class RateLimit(_PerClientLimit):
    """At most ``limit`` requests per client address in a sliding ``window`` (seconds).

    In memory, per process: behind several instances each counts its own share, which is
    enough to stop a script hammering a form; a shared limit belongs in the ingress.
    """

    def check(self, client: str) -> None:
        self._refuse_when_full(client, "too many submissions from this address; try later")
        self._counts.add(client)

    def check_request(self, request: Request) -> None:
        self.check(self.client_address(request))

    async def __call__(self, request: Request) -> None:
        """As a FastAPI dependency."""
        self.check_request(request)


class FailureLimit(_PerClientLimit):
    """Throttles guessing: after ``limit`` failed attempts (a wrong API key, a wrong sign-in)
    from one client address within ``window`` seconds, its attempts are refused with 429 until
    the oldest failure leaves the window. Successes are not counted."""

    def check(self, client: str) -> None:
        self._refuse_when_full(client, "too many failed attempts from this address; try later")

    def failed(self, client: str) -> None:
        self._counts.add(client)


class ClientAddress:
    """The address of the client behind a request.

    Without trusted proxies it is the connection's peer. Behind a proxy or ingress every request
    comes from the proxy, so everyone would share one limit: when the peer is one of the
    ``trusted`` networks, the client is the right-most ``X-Forwarded-For`` hop that is not
    (hops left of it could be made up by the client)."""

    def __init__(self, trusted: Iterable[str] = ()) -> None:
        self.trusted = [ip_network(item.strip(), strict=False) for item in trusted if item.strip()]

    def _is_trusted(self, address: str) -> bool:
        try:
            ip = ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.trusted)

    def __call__(self, request: Request) -> str:
        peer = request.client.host if request.client else "unknown"
        if not self.trusted or not self._is_trusted(peer):
            return peer
        hops = [
            hop.strip()
            for header in request.headers.getlist("x-forwarded-for")
            for hop in header.split(",")
            if hop.strip()
        ]
        for hop in reversed(hops):
            if not self._is_trusted(hop):
                return hop
        return peer
