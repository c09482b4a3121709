"""The store goes away for ~30 s while inquiries, bookings and messages flow (issue 16).

The four services run as their own processes against a stack of the test's own (Kafka and
FerretDB on PostgreSQL, on free ports in a temporary folder), never the stack the other tests use.
First PostgreSQL behind FerretDB stops (FerretDB answers every command with an error), then
FerretDB stops too; then both come back. Meanwhile every answer is 503 with Retry-After and
problem+json (never a 500), a client tries again after it, and afterwards nothing acknowledged is
lost or doubled: every accepted inquiry has one case and one receipt, every booking one
confirmation, and no event is dead-lettered. The same traffic rides out the broker frozen for
30 s (SIGSTOP, as a network stall: connections stay open, nothing answers).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from platform_support import (
    ADMIN_KEY,
    SERVICES,
    Mailbox,
    Platform,
    attachment,
    bearer,
    start_smtp,
    text_of,
)
from side_stack_support import SideStack, side_stack

from hoppid.shared.kafka import KafkaSecurity, client_options
from hoppid.shared.testing import PLAIN_KAFKA, eventually, public_inquiry

OUTAGE_SECONDS_POSTGRES = 12.0  # PostgreSQL down, FerretDB up
OUTAGE_SECONDS_STORE = 18.0  # both down
STALL_SECONDS_BROKER = 30.0  # the broker frozen
RETRY_CAP_SECONDS = 1.0  # the test client waits less than Retry-After, to hit the outage often


class OutagePlatform(Platform):
    """The journeys' platform on the side stack, with short store timeouts."""

    stack: SideStack

    def env(self, name: str) -> dict[str, str]:
        return {
            **super().env(name),
            "HOPPID_KAFKA_BOOTSTRAP_SERVERS": self.stack.kafka,
            **PLAIN_KAFKA,
            "HOPPID_MONGODB_URL": self.stack.mongodb_url,
            "HOPPID_MONGODB_TIMEOUT_SECONDS": "2",
            "HOPPID_STORE_RETRY_AFTER_SECONDS": "3",
            "HOPPID_READINESS_TIMEOUT_SECONDS": "1",
            "HOPPID_INTAKE_SUBMISSIONS_PER_HOUR": "100000",
        }


@dataclass
class Person:
    email: str
    key: str = field(default_factory=lambda: str(uuid.uuid4()))  # the Idempotency-Key
    reference: str = ""
    bookings: int = 0


@dataclass
class Ledger:
    """Every answer the services gave, and what they acknowledged."""

    answers: list[tuple[str, int, str, str]] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    booking: asyncio.Event = field(default_factory=asyncio.Event)  # set: people book

    def note(self, what: str, response: httpx.Response) -> None:
        self.answers.append(
            (
                what,
                response.status_code,
                response.headers.get("content-type", ""),
                response.headers.get("retry-after", ""),
            )
        )

    def statuses(self) -> set[int]:
        return {status for _, status, _, _ in self.answers}


def inquiry(email: str) -> dict[str, Any]:
    return public_inquiry(
        name="Outage Test", email=email, idea="Boat tours on Romsdalsfjorden", stage="starting"
    )


async def until_answered(
    ledger: Ledger, what: str, send: Any, accept: tuple[int, ...]
) -> httpx.Response:
    """Send until an answer other than 503 (or a transport error) comes; note every answer."""
    while True:
        try:
            response: httpx.Response = await send()
        except httpx.TransportError:
            await asyncio.sleep(RETRY_CAP_SECONDS)
            continue
        ledger.note(what, response)
        if response.status_code != 503:
            assert response.status_code in accept, f"{what}: {response.status_code} {response.text}"
            return response
        await asyncio.sleep(min(RETRY_CAP_SECONDS, float(response.headers["retry-after"])))


async def send_inquiries(platform: Platform, ledger: Ledger, stop: asyncio.Event) -> None:
    async with httpx.AsyncClient(base_url=platform.url("intake"), timeout=30) as client:
        while not stop.is_set():
            person = Person(f"outage-{len(ledger.people)}-{uuid.uuid4().hex[:6]}@example.no")
            response = await until_answered(
                ledger,
                "inquiry",
                lambda p=person: client.post(  # type: ignore[misc]
                    "/v1/inquiries", json=inquiry(p.email), headers={"Idempotency-Key": p.key}
                ),
                (200, 201),
            )
            person.reference = response.json()["reference"]
            ledger.people.append(person)
            await asyncio.sleep(1.0)


async def book_meetings(
    platform: Platform, mailbox: Mailbox, ledger: Ledger, stop: asyncio.Event
) -> None:
    """Book a meeting through the link of each person whose receipt has come."""
    async with httpx.AsyncClient(base_url=platform.url("scheduling"), timeout=30) as client:
        while not stop.is_set():
            for person in list(ledger.people):
                if person.bookings or stop.is_set() or not ledger.booking.is_set():
                    continue
                token = link_token(mailbox, person)
                if token:
                    await book(client, ledger, person, token)
            await asyncio.sleep(0.5)


def link_token(mailbox: Mailbox, person: Person) -> str:
    for message in mailbox.to(person.email):
        found = re.search(r"/me/([A-Za-z0-9_-]+)", text_of(message))
        if found:
            return found.group(1)
    return ""


async def book(client: httpx.AsyncClient, ledger: Ledger, person: Person, token: str) -> None:
    meetings = await until_answered(
        ledger, "offers", lambda: client.get(f"/v1/me/{token}/meetings"), (200,)
    )
    offers = meetings.json()["offers"]
    if not offers or not offers[0]["slots"]:
        return  # scheduling has not offered times yet: next round
    case_id = offers[0]["case_id"]
    starts = [slot["start"] for slot in offers[0]["slots"]]
    for _ in range(3):  # taken meanwhile: the 409 names free times, try the first of those
        booked = await until_answered(
            ledger,
            "booking",
            lambda start=starts[0]: client.post(  # type: ignore[misc]
                f"/v1/me/{token}/bookings", json={"case_id": case_id, "start": start}
            ),
            (200, 201, 409),
        )
        if booked.status_code in (200, 201):
            person.bookings = 1
            return
        starts = [slot["start"] for slot in booked.json().get("slots", [])] or starts[1:]
        if not starts:
            return


async def read_cases(platform: Platform, key: str, ledger: Ledger, stop: asyncio.Event) -> None:
    """The office reads its case list meanwhile."""
    async with httpx.AsyncClient(base_url=platform.url("intake"), timeout=30) as client:
        while not stop.is_set():
            await until_answered(
                ledger, "cases", lambda: client.get("/v1/cases", headers=bearer(key)), (200,)
            )
            await asyncio.sleep(1.0)


@contextlib.asynccontextmanager
async def outage_platform() -> AsyncIterator[tuple[OutagePlatform, SideStack]]:
    mailbox = Mailbox()
    controller, port = start_smtp(mailbox)
    unique = uuid.uuid4().hex[:10]
    try:
        async with side_stack() as stack:
            platform = OutagePlatform(f"outage-{unique}.", unique, mailbox, port)
            platform.stack = stack
            try:
                for name in SERVICES:  # one after another, as the journeys do: on two
                    await platform.start(name)  # loaded cores four at once may not start in time
                yield platform, stack
            finally:
                await platform.stop()
    finally:
        controller.stop()


async def office_key(platform: Platform) -> str:
    """An office-admin key of Nordveggen, known to scheduling, and an advisor every day."""
    async with httpx.AsyncClient(timeout=30) as client:
        issued = await client.post(
            f"{platform.url('intake')}/v1/offices/nordveggen/keys",
            headers=bearer(ADMIN_KEY),
            json={"role": "office_admin", "label": "outage"},
        )
        key = str(issued.json()["key"])
        scheduling = platform.url("scheduling")

        async def known() -> bool:
            answer = await client.get(f"{scheduling}/v1/offices", headers=bearer(key))
            return answer.status_code == 200

        await eventually(known, timeout=60, what="scheduling knows intake's key")
        hours = [
            {"weekday": d, "start": "07:00", "end": "21:00", "place": "digital"} for d in range(7)
        ]
        advisor = await client.post(
            f"{scheduling}/v1/offices/nordveggen/advisors",
            headers=bearer(key),
            json={
                "name": "Outage Advisor",
                "email": "advisor@nordveggen.example",
                "languages": ["nb"],
                "topics": ["grants"],
                "weekly_hours": hours,
            },
        )
        assert advisor.status_code == 201, advisor.text
        return key


def holds(
    condition: Callable[[], bool], traffic: list[asyncio.Task[None]] | None = None
) -> Callable[[], Awaitable[bool]]:
    """A probe for eventually(); a traffic task that failed (say, on a 500) is the failure."""

    async def probe() -> bool:
        for task in traffic or ():
            if task.done() and task.exception() is not None:
                raise AssertionError(f"traffic failed: {task.exception()}")
        return condition()

    return probe


async def under_traffic(
    platform: Platform, key: str, fault: Callable[[], Awaitable[None]]
) -> tuple[Ledger, list[tuple[str, int, str, str]]]:
    """Inquiries, bookings and case reads flow; ``fault`` runs once some meetings are booked
    and others wait to be; traffic goes on until a few inquiries are accepted after it. The
    ledger, and the answers given while the fault lasted."""
    mailbox = platform.mailbox
    ledger, stop = Ledger(), asyncio.Event()
    traffic = [
        asyncio.create_task(send_inquiries(platform, ledger, stop)),
        asyncio.create_task(book_meetings(platform, mailbox, ledger, stop)),
        asyncio.create_task(read_cases(platform, key, ledger, stop)),
    ]
    try:
        # traffic flows and some meetings are booked before the fault ...
        ledger.booking.set()
        await eventually(
            holds(lambda: sum(p.bookings for p in ledger.people) >= 2, traffic),
            timeout=120,
            what="two bookings before the fault",
        )
        # ... and some people wait to book until it has come
        ledger.booking.clear()
        await eventually(
            holds(
                lambda: (
                    sum(1 for p in ledger.people if not p.bookings and link_token(mailbox, p)) >= 2
                ),
                traffic,
            ),
            timeout=120,
            what="two people with a receipt, not booked yet",
        )
        before = len(ledger.answers)
        ledger.booking.set()
        await fault()
        during = ledger.answers[before:]
        accepted_at_return = len(ledger.people)
        # traffic goes on until a few more inquiries are accepted after the fault
        await eventually(
            holds(lambda: len(ledger.people) >= accepted_at_return + 3, traffic),
            timeout=120,
            what="inquiries accepted after the fault",
        )
    finally:
        stop.set()
        results = await asyncio.gather(*traffic, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return ledger, during


async def nothing_lost_or_doubled(
    platform: Platform, stack: SideStack, key: str, ledger: Ledger, during: list[Any]
) -> None:
    """No 500 ever; every 503 with Retry-After as problem+json; caught up; no dead letter."""
    assert 500 not in ledger.statuses(), [a for a in ledger.answers if a[1] >= 500]
    for what, status, content_type, retry_after in ledger.answers:
        if status == 503:
            assert content_type == "application/problem+json", what
            assert retry_after == "3", what
    await caught_up(platform, key, ledger)
    assert await dead_letters(stack, platform.prefix) == {}, "a good event was dead-lettered"
    print(  # what the fault looked like, for the log (-s)
        f"{len(ledger.people)} inquiries accepted, "
        f"{sum(p.bookings for p in ledger.people)} booked; during the fault: "
        f"{Counter((what, status) for what, status, _, _ in during)}"
    )
    for name, service in platform.services.items():
        assert service.running(), f"{name} must ride out the fault"


@pytest.mark.integration
async def test_store_outage_under_load_answers_503_and_loses_and_doubles_nothing() -> None:
    async with outage_platform() as (platform, stack):
        key = await office_key(platform)

        async def outage() -> None:
            await stack.stop_postgres()
            await asyncio.sleep(OUTAGE_SECONDS_POSTGRES)
            await stack.run("down", "store")
            await asyncio.sleep(OUTAGE_SECONDS_STORE)
            await stack.run("up", "store")

        ledger, during = await under_traffic(platform, key, outage)
        unavailable = {what for what, status, _, _ in during if status == 503}
        assert unavailable >= {"inquiry", "cases", "offers"}, during
        await nothing_lost_or_doubled(platform, stack, key, ledger, during)


@pytest.mark.integration
async def test_broker_stall_under_load_loses_and_doubles_nothing() -> None:
    """The broker freezes for 30 s (SIGSTOP: connections open, nothing answers, as in a network
    stall): the services keep answering from the store, and catch up when it goes on."""
    async with outage_platform() as (platform, stack):
        key = await office_key(platform)

        async def stall() -> None:
            stack.stall_kafka()
            try:
                await asyncio.sleep(STALL_SECONDS_BROKER)
            finally:
                stack.resume_kafka()

        ledger, during = await under_traffic(platform, key, stall)
        assert {what for what, status, _, _ in during if status in (200, 201)} >= {"inquiry"}
        await nothing_lost_or_doubled(platform, stack, key, ledger, during)


async def dead_letters(stack: SideStack, prefix: str) -> dict[str, int]:
    """The records in each dead-letter topic of the test's platform (none expected: the store
    being away is transient, never poison)."""
    listing = AIOKafkaConsumer(**client_options(stack.kafka, KafkaSecurity(), group_id=None))
    await listing.start()
    try:
        names = await listing.topics()
    finally:
        await listing.stop()
    topics = sorted(t for t in names if t.startswith(prefix) and t.endswith(".dlq"))
    assert topics, "the services made their dead-letter topics"
    consumer = AIOKafkaConsumer(
        *topics, **client_options(stack.kafka, KafkaSecurity(), group_id=None)
    )
    await consumer.start()
    try:
        partitions = consumer.assignment()
        assert {p.topic for p in partitions} == set(topics)
        counts: dict[str, int] = {}
        for partition, end in (await consumer.end_offsets(list(partitions))).items():
            if end:
                counts[partition.topic] = counts.get(partition.topic, 0) + end
        return counts
    finally:
        await consumer.stop()


async def caught_up(platform: Platform, key: str, ledger: Ledger) -> None:
    """Every accepted inquiry: one case and one receipt; every booking: one confirmation."""
    people = ledger.people
    async with httpx.AsyncClient(timeout=30) as client:

        async def every_case() -> list[Any]:
            response = await client.get(
                f"{platform.url('intake')}/v1/cases", params={"limit": 500}, headers=bearer(key)
            )
            return list(response.json()) if response.status_code == 200 else []

        cases = await every_case()
    references = sorted(case["reference"] for case in cases)
    assert references == sorted(p.reference for p in people), "one case per accepted inquiry"

    def receipts(person: Person) -> list[Any]:
        mails = platform.mailbox.to(person.email)
        return [m for m in mails if person.reference in str(m["Subject"])]

    def confirmations(person: Person) -> list[Any]:
        return [m for m in platform.mailbox.to(person.email) if attachment(m, "text/calendar")]

    async def all_arrived() -> bool:
        return all(receipts(p) and len(confirmations(p)) >= p.bookings for p in people)

    await eventually(all_arrived, timeout=120, what="every receipt and confirmation")
    await asyncio.sleep(3)  # a doubled message would come about now: look again
    for person in people:
        assert len(receipts(person)) == 1, person
        assert len(confirmations(person)) == person.bookings, person
