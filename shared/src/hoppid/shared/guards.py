"""HTTP guards every public endpoint needs: a body size limit (413) and a rate limit (429)."""

from __future__ import annotations

import json
import time
from collections import deque

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


class RateLimit:
    """At most ``limit`` requests per client address in a sliding ``window`` (seconds).

    In memory, per process: behind several instances each counts its own share, which is
    enough to stop a script hammering a form; a shared limit belongs in the ingress.
    """

    def __init__(self, limit: int, window: float = 3600.0, max_clients: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self.max_clients = max_clients
        self._hits: dict[str, deque[float]] = {}

    def check(self, client: str) -> None:
        now = time.monotonic()
        hits = self._hits.setdefault(client, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            retry = int(hits[0] + self.window - now) + 1
            raise HTTPException(
                429,
                "too many submissions from this address; try later",
                headers={"Retry-After": str(retry)},
            )
        hits.append(now)
        if len(self._hits) > self.max_clients:  # forget idle clients, bounded memory
            for key in [k for k, v in self._hits.items() if not v][: self.max_clients // 10]:
                del self._hits[key]

    async def __call__(self, request: Request) -> None:
        """As a FastAPI dependency."""
        self.check(request.client.host if request.client else "unknown")
