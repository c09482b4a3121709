"""Mail over kept connections (SmtpSender) against a real SMTP server on loopback: messages to
one server share a connection; one the server closed while it was kept, or one that got a
refusal, is never used again, and no message is lost or sent twice for it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from hoppid.notifications.delivery.mail import Email, SmtpSender
from hoppid.notifications.delivery.rules import TransientSendError
from hoppid.notifications.settings import SmtpServer
from hoppid.shared.testing import free_port


@dataclass
class PeerHandler:
    """Keeps each message's recipients with the connection (client port) it came over."""

    refuse: set[str] = field(default_factory=set)
    arrived: list[tuple[tuple[str, int], list[str]]] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.arrived.append((session.peer, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def connections(self) -> int:
        return len({peer for peer, _ in self.arrived})

    def to(self, address: str) -> int:
        return sum(address in rcpt_tos for _, rcpt_tos in self.arrived)


class Clock:
    """An interval clock the test moves on."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def email(to: str, n: int = 0) -> Email:
    return Email(
        sender_name="Nordveggen Næringshage",
        sender_address="no-reply@hoppid.example",
        reply_to="post@nordveggen.example",
        to=to,
        subject=f"Vi har fått henvendelsen din ({n})",
        text="Hei Kari,\n\ntakk.",
        html="<p>Hei Kari</p>",
        language="nb",
        delivery_id=f"delivery-{to}-{n}",
    )


@pytest.fixture
def handler() -> PeerHandler:
    return PeerHandler()


@pytest.fixture
def server(handler: PeerHandler) -> Any:
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


def settings(controller: Controller) -> SmtpServer:
    return SmtpServer(host="127.0.0.1", port=controller.port, timeout_seconds=10)


async def test_messages_to_one_server_share_a_kept_connection(
    server: Controller, handler: PeerHandler
) -> None:
    sender = SmtpSender()
    for n in range(5):
        await sender(settings(server), email("kari@example.no", n))
    assert handler.to("kari@example.no") == 5
    assert handler.connections() == 1

    # several at once: each on a connection of its own, kept afterwards for the next ones
    await asyncio.gather(*(sender(settings(server), email(f"p{n}@example.no")) for n in range(4)))
    await asyncio.gather(*(sender(settings(server), email(f"q{n}@example.no")) for n in range(4)))
    assert all(handler.to(f"{p}{n}@example.no") == 1 for p in "pq" for n in range(4))
    assert handler.connections() <= 4
    await sender.close()


async def test_a_connection_the_server_closed_while_kept_is_replaced_before_the_message(
    handler: PeerHandler,
) -> None:
    sender = SmtpSender()
    first = Controller(handler, hostname="127.0.0.1", port=free_port())
    first.start()
    await sender(settings(first), email("kari@example.no", 1))
    first.stop()  # the server goes away and comes back: the kept connection is dead
    again = Controller(handler, hostname="127.0.0.1", port=first.port)
    again.start()
    try:
        await sender(settings(again), email("kari@example.no", 2))  # no error, no retry needed
    finally:
        await sender.close()
        again.stop()
    assert handler.to("kari@example.no") == 2  # each once
    assert handler.connections() == 2


async def test_a_refusal_on_a_kept_connection_is_the_answer_and_the_connection_is_dropped(
    server: Controller, handler: PeerHandler
) -> None:
    handler.refuse.add("broken@example.no")
    sender = SmtpSender()
    await sender(settings(server), email("kari@example.no", 1))
    with pytest.raises(TransientSendError, match="rcpt_to_451"):
        await sender(settings(server), email("broken@example.no"))
    await sender(settings(server), email("kari@example.no", 2))
    assert handler.to("kari@example.no") == 2 and handler.to("broken@example.no") == 0
    assert handler.connections() == 2  # the refused one's connection was not used again
    await sender.close()


async def test_a_connection_idle_too_long_is_not_used(
    server: Controller, handler: PeerHandler
) -> None:
    clock = Clock()
    sender = SmtpSender(max_idle_seconds=30, monotonic=clock)
    await sender(settings(server), email("kari@example.no", 1))
    clock.now += 29
    await sender(settings(server), email("kari@example.no", 2))
    assert handler.connections() == 1
    clock.now += 31
    await sender(settings(server), email("kari@example.no", 3))
    assert handler.connections() == 2
    await sender.close()
