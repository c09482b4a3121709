"""The chaos run (issue 16): traffic for a few minutes while each service, the broker and the
store are killed in turn, then the ledger.

What it does, all on loopback and bounded in time:

1. starts a throwaway stack of its own (Kafka and FerretDB on PostgreSQL, deploy/local/stack.sh,
   free ports, a temporary folder; never the stack `make run` or the tests use), an SMTP server
   of its own that keeps every message, and the four services as their own processes;
2. makes an office ready (an office-admin key of Nordveggen, three advisors) and plays traffic
   through the public HTTP APIs for ``CHAOS_SECONDS`` (default 240): an inquiry about every
   second, each person booking one of the offered times through the link in their receipt, the
   office reading its cases, the county reading its figures. A client tries again after a 503
   (Retry-After) or a refused connection; after a booking without an answer it reads the
   person's meetings before it books again, as a person reloading the page would;
3. meanwhile, spread over the run, each fault of ``CHAOS_FAULTS`` in turn (default all six:
   intake, scheduling, notifications, reporting killed with SIGKILL; the Kafka broker killed
   with SIGKILL; the store stopped, FerretDB and PostgreSQL), each down for
   ``CHAOS_DOWN_SECONDS`` (10) and then started again, the next one only once all four services
   answer /readyz again;
4. waits until everything has caught up (at most ``CHAOS_SETTLE_SECONDS``, 240), looks once
   more a few seconds later (a doubled message would come about then), and checks the ledger:
   one case per accepted inquiry, one receipt, the booked meeting in scheduling, one
   confirmation per booking, reporting's figures counting each once, no dead letter, no 5xx
   but 503 with Retry-After, every service still running.

Prints the faults table and the ledger table (Markdown), exits 1 when a check fails, 2 on bad
settings. Service logs stay in the folder printed at the end. Usage: ``scripts/chaos.sh``
(``make chaos``); tests/journeys/test_chaos.py runs a short version.

Why here: an operator's command for the local stack, beside scripts/check_query_indexes.py. It
is not a benchmark (it checks a ledger, it measures nothing against a peer, so not bench/), and
not part of a service or of hoppid.shared: it kills local processes and must never be pointed
at a production platform.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import os
import re
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
STACK = REPO / "deploy" / "local" / "stack.sh"
SERVICES = ("intake", "scheduling", "notifications", "reporting")
FAULTS = (*SERVICES, "kafka", "store")
OFFICE, MUNICIPALITY = "nordveggen", "1539"
ADMIN_KEY = "chaos-platform-admin-key"
COUNTY_KEY = "chaos-county-key"
PREFIX = "chaos."  # topics; databases are chaos_<service> (the stack is the run's own)
RECEIPT_SUBJECT = "Vi har fått henvendelsen din"  # nb templates: inquiry_receipt.subject
CONFIRMATION_SUBJECT = "Veiledningsmøte "  # nb: meeting_booked.subject
RETRY_CAP_SECONDS = 1.0  # a client waits at most this, whatever Retry-After says
GIVE_UP_SECONDS = 180.0  # a request still unanswered this long after the traffic stopped


@dataclass(frozen=True)
class Settings:
    seconds: float
    faults: tuple[str, ...]
    down: float
    settle: float

    @classmethod
    def from_env(cls, env: dict[str, str]) -> Settings:
        faults = tuple(f.strip() for f in env.get("CHAOS_FAULTS", ",".join(FAULTS)).split(","))
        unknown = [f for f in faults if f not in FAULTS]
        if unknown or not faults:
            raise ValueError(f"CHAOS_FAULTS: unknown {unknown}; choose from {','.join(FAULTS)}")
        settings = cls(
            seconds=float(env.get("CHAOS_SECONDS", "240")),
            faults=faults,
            down=float(env.get("CHAOS_DOWN_SECONDS", "10")),
            settle=float(env.get("CHAOS_SETTLE_SECONDS", "240")),
        )
        if not 20 <= settings.seconds <= 3600 or not 1 <= settings.down <= 120:
            raise ValueError("CHAOS_SECONDS must be 20..3600 and CHAOS_DOWN_SECONDS 1..120")
        return settings


# A plain listener's client settings (its own stack runs with HOPPID_KAFKA_SASL=off), whatever
# the caller's environment says of another stack's users.
PLAIN_KAFKA = {
    "HOPPID_KAFKA_SECURITY_PROTOCOL": "PLAINTEXT",
    "HOPPID_KAFKA_USERNAME": "",
    "HOPPID_KAFKA_PASSWORD": "",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# --- the stack, the services, the mailbox ---------------------------------------------------


class Stack:
    """Kafka and the store on free ports in ``folder``, through deploy/local/stack.sh."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.kafka_port, self.store_port = free_port(), free_port()
        self.env = {
            **{k: v for k, v in os.environ.items() if k != "HOPPID_MONGODB_URL"},
            "HOPPID_STACK_DIR": str(folder),
            "HOPPID_KAFKA_PORT": str(self.kafka_port),
            "HOPPID_KAFKA_CONTROLLER_PORT": str(free_port()),
            "HOPPID_STORE_PORT": str(self.store_port),
            "HOPPID_FERRETDB_DEBUG_PORT": "off",
            "HOPPID_POSTGRES_PORT": str(free_port()),
            # a plain listener: the run is about faults, not Kafka's users
            "HOPPID_KAFKA_SASL": "off",
            **PLAIN_KAFKA,
        }

    @property
    def kafka(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def mongodb_url(self) -> str:
        return f"mongodb://127.0.0.1:{self.store_port}/"

    async def run(self, *args: str, timeout: float = 300) -> None:
        process = await asyncio.create_subprocess_exec(
            "bash",
            str(STACK),
            *args,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(process.communicate(), timeout)
        if process.returncode != 0:
            text = output.decode("utf-8", "replace")
            raise RuntimeError(f"stack.sh {' '.join(args)} failed:\n{text}")

    async def kill_kafka(self) -> None:
        pid = int((self.folder / "run" / "kafka.pid").read_text().strip())
        os.kill(pid, signal.SIGKILL)
        for _ in range(300):
            if _gone(pid):
                return
            await asyncio.sleep(0.1)
        raise RuntimeError(f"the broker (pid {pid}) did not die on SIGKILL")


def _gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True


class Service:
    """One service as its own process, as in production; its log in ``logs``."""

    def __init__(self, name: str, env: dict[str, str], logs: Path) -> None:
        self.name, self.port = name, free_port()
        self.env = {
            **env,
            f"HOPPID_{name.upper()}_PORT": str(self.port),
            "HOPPID_METRICS_PORT": str(free_port()),
        }
        self.log = logs / f"{name}.log"
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", f"hoppid.{self.name}.main", env=self.env, stdout=log,
                stderr=log,
            )  # fmt: skip

    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def ready(self, client: httpx.AsyncClient) -> bool:
        if not self.running():
            raise RuntimeError(f"{self.name} exited; see {self.log}")
        with contextlib.suppress(httpx.HTTPError):
            return (await client.get(f"{self.url}/readyz", timeout=5)).status_code == 200
        return False

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), 15)
        except TimeoutError:
            await self.kill()


class Mailbox:
    """The SMTP server's handler (aiosmtpd): keeps every message, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in list(self.messages) if address in str(m["To"])]


def service_env(stack: Stack, smtp_port: int) -> dict[str, str]:
    return {
        **os.environ,
        "HOPPID_KAFKA_BOOTSTRAP_SERVERS": stack.kafka,
        **PLAIN_KAFKA,
        "HOPPID_MONGODB_URL": stack.mongodb_url,
        "HOPPID_TOPIC_PREFIX": PREFIX,
        "HOPPID_TOPIC_PARTITIONS": "2",
        "HOPPID_VAULT_DATABASE": "chaos_vault",
        "HOPPID_LINK_SECRET": secrets.token_urlsafe(32),
        "HOPPID_OUTBOX_RELAY_INTERVAL_SECONDS": "0.3",
        "HOPPID_INTAKE_ADMIN_KEY": ADMIN_KEY,
        "HOPPID_SCHEDULING_ADMIN_KEY": ADMIN_KEY,
        "HOPPID_REPORTING_COUNTY_KEY": COUNTY_KEY,
        "HOPPID_INTAKE_SUBMISSIONS_PER_HOUR": "100000",
        "HOPPID_NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
        "HOPPID_NOTIFICATIONS_SMTP_PORT": str(smtp_port),
        "HOPPID_NOTIFICATIONS_POLL_INTERVAL_SECONDS": "0.5",
        "HOPPID_SCHEDULING_REMINDER_POLL_SECONDS": "0.5",
        # a store that does not answer is noticed in seconds: 503 with Retry-After, not a hang
        "HOPPID_MONGODB_TIMEOUT_SECONDS": "2",
        "HOPPID_STORE_RETRY_AFTER_SECONDS": "3",
        "HOPPID_READINESS_TIMEOUT_SECONDS": "1",
        "HOPPID_LOG_LEVEL": os.environ.get("HOPPID_LOG_LEVEL", "WARNING"),
    }


# --- what the clients were answered ---------------------------------------------------------

OK, TAKEN, UNAVAILABLE, NO_ANSWER = "2xx", "409", "503", "no answer"
FAILURES = ("503 without Retry-After", "5xx", "other 4xx")


@dataclass
class Answers:
    """Every answer a client got, with the second of the run it came."""

    started: float = field(default_factory=time.monotonic)
    started_epoch: float = field(default_factory=time.time)  # to place the store's timestamps
    log: list[tuple[float, str, str]] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)

    def now(self) -> float:
        return time.monotonic() - self.started

    def note(self, what: str, response: httpx.Response | None) -> str:
        outcome = classify(response)
        self.log.append((self.now(), what, outcome))
        if outcome in FAILURES and response is not None and len(self.examples) < 10:
            self.examples.append(f"{what}: {response.status_code} {response.text[:200]}")
        return outcome

    def between(self, start: float, end: float) -> Counter[str]:
        return Counter(outcome for t, _, outcome in self.log if start <= t <= end)


def classify(response: httpx.Response | None) -> str:
    if response is None:
        return NO_ANSWER
    status = response.status_code
    if status < 300:
        return OK
    if status == 409:
        return TAKEN
    if status == 503:
        return UNAVAILABLE if response.headers.get("retry-after") else FAILURES[0]
    return FAILURES[1] if status >= 500 else FAILURES[2]


@dataclass
class Person:
    email: str
    key: str = field(default_factory=lambda: str(uuid.uuid4()))  # the Idempotency-Key
    reference: str = ""
    token: str = ""
    booking_id: str = ""


@dataclass
class Run:
    """The platform under test and what its clients were told."""

    services: dict[str, Service]
    mailbox: Mailbox
    stack: Stack
    answers: Answers = field(default_factory=Answers)
    people: list[Person] = field(default_factory=list)
    unanswered: int = 0
    office_key: str = ""
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    give_up_at: float = float("inf")

    def url(self, name: str) -> str:
        return self.services[name].url

    async def ask(
        self, what: str, send: Callable[[], Awaitable[httpx.Response]], *, again: bool = True
    ) -> httpx.Response | None:
        """Send until a definite answer (not 503, not a refused connection); with
        ``again=False`` only once. None when there was none (or the run gave up)."""
        while True:
            try:
                response: httpx.Response | None = await send()
            except httpx.TransportError:
                response = None
            outcome = self.answers.note(what, response)
            if outcome not in (UNAVAILABLE, NO_ANSWER):
                return response
            if not again or self.answers.now() > self.give_up_at:
                return None
            wait = float(response.headers["retry-after"]) if response is not None else 1.0
            await asyncio.sleep(min(RETRY_CAP_SECONDS, wait))


# --- traffic ---------------------------------------------------------------------------------


def inquiry(person: Person) -> dict[str, Any]:
    return {
        "name": "Chaos Nordmann",
        "email": person.email,
        "municipality": MUNICIPALITY,
        "idea": "Guided kayak tours on Romsdalsfjorden",
        "stage": "starting",
        "needs": ["guidance"],
        "language": "nb",
        "meeting_mode": "digital",
        "consent_processing": True,
        "consent_text_version": "2026-11-01",
    }


async def send_inquiries(run: Run) -> None:
    async with httpx.AsyncClient(base_url=run.url("intake"), timeout=30) as client:
        while not run.stop.is_set():
            person = Person(f"chaos-{len(run.people)}-{uuid.uuid4().hex[:6]}@example.no")
            answer = await run.ask(
                "inquiry",
                lambda p=person: client.post(  # type: ignore[misc]
                    "/v1/inquiries", json=inquiry(p), headers={"Idempotency-Key": p.key}
                ),
            )
            if answer is not None and answer.status_code in (200, 201):
                person.reference = answer.json()["reference"]
                run.people.append(person)
            elif answer is None:
                run.unanswered += 1
            await asyncio.sleep(1.0)


async def book_meetings(run: Run) -> None:
    """Each person whose receipt has come books one of the times offered to them."""
    async with httpx.AsyncClient(base_url=run.url("scheduling"), timeout=30) as client:
        while not run.stop.is_set():
            for person in list(run.people):
                if run.stop.is_set():
                    break
                person.token = person.token or link_token(run.mailbox, person)
                if person.token and not person.booking_id:
                    await book(run, client, person)
            await asyncio.sleep(0.5)


def link_token(mailbox: Mailbox, person: Person) -> str:
    for message in mailbox.to(person.email):
        found = re.search(r"/me/([A-Za-z0-9_-]+)", text_of(message))
        if found:
            return found.group(1)
    return ""


async def book(run: Run, client: httpx.AsyncClient, person: Person) -> None:
    me = f"/v1/me/{person.token}"
    meetings = await run.ask("offers", lambda: client.get(f"{me}/meetings"))
    if meetings is None or meetings.status_code != 200:
        return
    body = meetings.json()
    if body["bookings"]:  # booked before, its answer lost: the person sees it now
        person.booking_id = body["bookings"][0]["id"]
        return
    offers = [offer for offer in body["offers"] if offer["slots"]]
    if not offers:
        return  # no times offered yet: next round
    case_id, starts = offers[0]["case_id"], [slot["start"] for slot in offers[0]["slots"]]
    while starts:
        booked = await run.ask(
            "booking",
            lambda start=starts[0]: client.post(  # type: ignore[misc]
                f"{me}/bookings", json={"case_id": case_id, "start": start}
            ),
            again=False,  # no answer: read the meetings first, next round
        )
        if booked is None or booked.status_code not in (201, 409):
            return
        if booked.status_code == 201:
            person.booking_id = booked.json()["id"]
            return
        starts = [slot["start"] for slot in booked.json().get("slots", [])][:3]


async def read_now_and_then(run: Run, what: str, url: str, key: str, every: float) -> None:
    """The office reads its cases, the county its figures, meanwhile."""
    async with httpx.AsyncClient(timeout=30, headers=bearer(key)) as client:
        while not run.stop.is_set():
            await run.ask(what, lambda: client.get(url))
            await asyncio.sleep(every)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return str(part.get_content()) if part is not None else ""


def has_calendar(message: EmailMessage) -> bool:
    return any(p.get_content_type() == "text/calendar" for p in message.iter_attachments())


# --- faults ----------------------------------------------------------------------------------


@dataclass
class Fault:
    name: str
    at: float = 0.0  # second of the run it began
    down: float = 0.0  # until it was started again
    back: float = 0.0  # until every service answered /readyz again
    answers: Counter[str] = field(default_factory=Counter)


async def inflict(run: Run, name: str, down: float) -> Fault:
    fault = Fault(name, at=run.answers.now())
    if name in SERVICES:
        await run.services[name].kill()
    elif name == "kafka":
        await run.stack.kill_kafka()
    else:
        await run.stack.run("down", "store")
    await asyncio.sleep(down)
    if name in SERVICES:
        await run.services[name].start()
    else:
        await run.stack.run("up", name)
    fault.down = run.answers.now() - fault.at
    await all_ready(run, timeout=240)
    fault.back = run.answers.now() - fault.at
    return fault


async def all_ready(run: Run, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        for service in run.services.values():
            while not await service.ready(client):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{service.name} not ready after {timeout:.0f} s")
                await asyncio.sleep(0.5)


async def play_faults(run: Run, settings: Settings) -> list[Fault]:
    """Each fault in turn, spread evenly over the run (none in its first and last part)."""
    faults = []
    spacing = settings.seconds / (len(settings.faults) + 1)
    for n, name in enumerate(settings.faults, start=1):
        await asyncio.sleep(max(0.0, n * spacing - run.answers.now()))
        faults.append(await inflict(run, name, settings.down))
    await asyncio.sleep(max(10.0, settings.seconds - run.answers.now()))
    for fault in faults:
        fault.answers = run.answers.between(fault.at, fault.at + fault.back + 2)
    return faults


# --- the ledger ------------------------------------------------------------------------------


@dataclass
class Found:
    """What the platform holds at the end, as its APIs, its mail and its topics say."""

    cases: Counter[str] = field(default_factory=Counter)  # reference -> cases
    receipts: Counter[str] = field(default_factory=Counter)  # reference -> receipts
    meetings: dict[str, list[str]] = field(default_factory=dict)  # person -> booked meeting ids
    confirmations: Counter[str] = field(default_factory=Counter)  # person -> confirmations
    figures: dict[str, Any] = field(default_factory=dict)
    dead_letters: int = 0
    # deliveries left in `sending` (the documented at-most-once window): id -> message kind
    sending: dict[str, str] = field(default_factory=dict)
    claimed: dict[str, str] = field(default_factory=dict)  # id -> when, by which event
    mailed: Counter[str] = field(default_factory=Counter)  # delivery id (Message-ID) -> mails
    services_running: int = 0


async def look(run: Run, *, meetings: bool) -> Found:
    found = Found()
    async with httpx.AsyncClient(timeout=30) as client:
        found.cases = await case_references(run, client)
        found.figures = await figures(run, client)
        if meetings:
            for person in run.people:
                if person.token:
                    found.meetings[person.email] = await booked_meetings(run, client, person)
    for person in run.people:
        mails = run.mailbox.to(person.email)
        found.receipts[person.reference] = sum(
            RECEIPT_SUBJECT in str(m["Subject"]) and person.reference in str(m["Subject"])
            for m in mails
        )
        found.confirmations[person.email] = sum(
            str(m["Subject"]).startswith(CONFIRMATION_SUBJECT) and has_calendar(m) for m in mails
        )
    found.services_running = sum(s.running() for s in run.services.values())
    found.mailed = Counter(delivery_id(m) for m in list(run.mailbox.messages))
    return found


def delivery_id(message: EmailMessage) -> str:
    """Notifications makes the Message-ID from the delivery's id (make_msgid's idstring)."""
    found = re.search(r"\.([^.@<>]+)@hoppid>", str(message["Message-ID"]))
    return found.group(1) if found else str(message["Message-ID"])


async def case_references(run: Run, client: httpx.AsyncClient) -> Counter[str]:
    references: Counter[str] = Counter()
    offset = 0
    while True:
        page = await client.get(
            f"{run.url('intake')}/v1/cases",
            params={"limit": 500, "offset": offset},
            headers=bearer(run.office_key),
        )
        page.raise_for_status()
        cases = page.json()
        references.update(case["reference"] for case in cases)
        if len(cases) < 500:
            return references
        offset += len(cases)


async def figures(run: Run, client: httpx.AsyncClient) -> dict[str, Any]:
    answer = await client.get(
        f"{run.url('reporting')}/v1/figures", params={"office": OFFICE}, headers=bearer(COUNTY_KEY)
    )
    answer.raise_for_status()
    rows = answer.json()
    return dict(rows[0]) if rows else {}


async def booked_meetings(run: Run, client: httpx.AsyncClient, person: Person) -> list[str]:
    answer = await client.get(f"{run.url('scheduling')}/v1/me/{person.token}/meetings")
    answer.raise_for_status()
    return [b["id"] for b in answer.json()["bookings"] if b.get("status") == "booked"]


def caught_up(run: Run, found: Found) -> bool:
    """Every case and figure there; every mail too, but for deliveries claimed and left in
    `sending` unsent (notifications' at-most-once window: they never come)."""
    booked = [p for p in run.people if p.booking_id]
    missing = sum(not found.receipts[p.reference] for p in run.people)
    missing += sum(not found.confirmations[p.email] for p in booked)
    return (
        all(found.cases[p.reference] for p in run.people)
        and missing <= len(_unsent(found))
        and found.figures.get("inquiries", 0) >= len(run.people)
        and found.figures.get("meetings_booked", 0) >= len(booked)
    )


def _unsent(found: Found) -> list[str]:
    return [d for d in found.sending if not found.mailed[d]]


async def settle(run: Run, settings: Settings) -> tuple[Found, float | None]:
    """Wait (bounded) until every effect has come, look again a little later: the ledger."""
    began = time.monotonic()
    waited: float | None = None
    while waited is None and time.monotonic() - began < settings.settle:
        with contextlib.suppress(httpx.HTTPError):
            found = await look(run, meetings=False)
            found.sending, _ = await deliveries_sending(run)
            if caught_up(run, found):
                waited = time.monotonic() - began
                break
        await asyncio.sleep(2)
    await asyncio.sleep(5)  # a doubled message or count would come about now
    found = await look(run, meetings=True)
    found.dead_letters = await dead_letters(run.stack)
    found.sending, found.claimed = await deliveries_sending(run)
    return found, waited


async def dead_letters(stack: Stack) -> int:
    from aiokafka import AIOKafkaConsumer

    from hoppid.shared.kafka import KafkaSecurity, client_options

    consumer = AIOKafkaConsumer(**client_options(stack.kafka, KafkaSecurity(), group_id=None))
    await consumer.start()
    try:
        topics = [t for t in await consumer.topics() if t.endswith(".dlq")]
        partitions = [p for t in topics for p in _partitions(consumer, t)]
        ends = await consumer.end_offsets(partitions) if partitions else {}
        return sum(ends.values())
    finally:
        await consumer.stop()


def _partitions(consumer: Any, topic: str) -> list[Any]:
    from aiokafka import TopicPartition

    return [TopicPartition(topic, n) for n in consumer.partitions_for_topic(topic) or ()]


async def deliveries_sending(run: Run) -> tuple[dict[str, str], dict[str, str]]:
    """Read from notifications' database, as docs/notifications.md tells an operator to: each
    delivery left in `sending`, its kind, and the second of the run it was claimed and the
    event that caused it (its correlation id in notifications' log)."""
    from hoppid.shared.mongo import make_mongo_client

    client = make_mongo_client(run.stack.mongodb_url)
    kinds, claimed = {}, {}
    try:
        deliveries = client["chaos_notifications"]["deliveries"]
        fields = {"message": 1, "created_at": 1, "cause_event_id": 1}
        async for document in deliveries.find({"status": "sending"}, fields):
            key = str(document["_id"])
            kinds[key] = str(document.get("message"))
            created = document.get("created_at")
            second = created.timestamp() - run.answers.started_epoch if created else float("nan")
            cause = document.get("cause_event_id")
            claimed[key] = f"claimed at second {second:.0f} of the run, event {cause}"
    finally:
        await client.close()
    return kinds, claimed


@dataclass
class Check:
    what: str
    expected: str
    found: str
    ok: bool | None  # None: a note, neither passed nor failed


def ledger(run: Run, found: Found) -> list[Check]:
    """The checks, from what the clients were told and what the platform holds."""
    people, booked = run.people, [p for p in run.people if p.booking_id]
    references = {p.reference for p in people}
    failures = Counter(o for _, _, o in run.answers.log if o in FAILURES)
    receipts = _once(found.receipts[p.reference] for p in people)
    confirmations = _once(found.confirmations[p.email] for p in booked)
    missing_mail = receipts.missing + confirmations.missing
    unsent = _unsent(found)
    explained = missing_mail <= len(unsent)  # each missing mail: a claim that never sent
    twice = sum(1 for n in found.mailed.values() if n > 1)
    cases = _once(found.cases[r] for r in references)
    strangers = sum(n for r, n in found.cases.items() if r not in references)
    meetings = [(p, found.meetings.get(p.email, [])) for p in people]
    meeting_ok = sum(m == [p.booking_id] for p, m in meetings if p.booking_id)
    meeting_extra = sum(len(set(m) - {p.booking_id}) for p, m in meetings)
    return [
        Check("answers other than 2xx, 409, 503 with Retry-After", "0",
              _counts(failures) or "0", not failures),
        Check("inquiries without any answer (given up)", "0", str(run.unanswered),
              run.unanswered == 0),
        Check("cases in intake, one per accepted inquiry", str(len(people)),
              cases.text(strangers), cases.exact and strangers == 0),
        Check("receipts, one per accepted inquiry", str(len(people)), receipts.text(),
              _mail_ok(receipts, explained)),
        Check("meetings in scheduling, the one booked per person", str(len(booked)),
              f"{meeting_ok} as booked, {meeting_extra} more",
              meeting_ok == len(booked) and meeting_extra == 0),
        Check("confirmations (with ICS), one per booking", str(len(booked)), confirmations.text(),
              _mail_ok(confirmations, explained)),
        Check("reporting: inquiries", str(len(people)), str(found.figures.get("inquiries")),
              found.figures.get("inquiries") == len(people)),
        Check("reporting: meetings booked", str(len(booked)),
              str(found.figures.get("meetings_booked")),
              found.figures.get("meetings_booked") == len(booked)),
        Check("records in dead-letter topics", "0", str(found.dead_letters),
              found.dead_letters == 0),
        Check("one delivery mailed twice (same Message-ID)", "0", str(twice), twice == 0),
        Check("deliveries left in `sending` (at most once, by design)", "0",
              _sending(found, unsent), None if found.sending else True),
        Check("services running at the end", str(len(SERVICES)), str(found.services_running),
              found.services_running == len(SERVICES)),
    ]  # fmt: skip


@dataclass
class Once:
    once: int = 0
    missing: int = 0
    doubled: int = 0

    @property
    def exact(self) -> bool:
        return self.missing == 0 and self.doubled == 0

    def text(self, strangers: int = 0) -> str:
        more = f", {strangers} not acknowledged" if strangers else ""
        return f"{self.once} once, {self.missing} missing, {self.doubled} doubled{more}"


def _once(counts: Iterable[int]) -> Once:
    result = Once()
    for n in counts:
        if n == 1:
            result.once += 1
        elif n == 0:
            result.missing += 1
        else:
            result.doubled += 1
    return result


def _mail_ok(mails: Once, explained: bool) -> bool | None:
    """Doubled, or missing with no claim left unsent to account for it: failed. Missing
    because a delivery was claimed and never sent (at most once, docs/notifications.md): a
    note, the row below says which."""
    if mails.doubled or (mails.missing and not explained):
        return False
    return None if mails.missing else True


def _sending(found: Found, unsent: list[str]) -> str:
    if not found.sending:
        return "0"
    kinds = _counts(Counter(found.sending.values()))
    mailed = len(found.sending) - len(unsent)
    return f"{len(found.sending)} ({kinds}): {mailed} reached the mail server, {len(unsent)} not"


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{what} {n}" for what, n in sorted(counter.items()))


# --- the run ---------------------------------------------------------------------------------


async def prepare_office(run: Run) -> None:
    """An office-admin key of Nordveggen (issued by intake, learned by scheduling) and three
    advisors holding digital meetings every day."""
    async with httpx.AsyncClient(timeout=30) as client:
        issued = await client.post(
            f"{run.url('intake')}/v1/offices/{OFFICE}/keys",
            headers=bearer(ADMIN_KEY),
            json={"role": "office_admin", "label": "chaos"},
        )
        issued.raise_for_status()
        run.office_key = str(issued.json()["key"])
        for _ in range(240):
            known = await client.get(
                f"{run.url('scheduling')}/v1/offices", headers=bearer(run.office_key)
            )
            if known.status_code == 200:
                break
            await asyncio.sleep(0.5)
        hours = [
            {"weekday": d, "start": "07:00", "end": "21:00", "place": "digital"} for d in range(7)
        ]
        for n in range(3):
            advisor = await client.post(
                f"{run.url('scheduling')}/v1/offices/{OFFICE}/advisors",
                headers=bearer(run.office_key),
                json={
                    "name": f"Chaos Advisor {n}",
                    "email": f"advisor-{n}@nordveggen.example",
                    "languages": ["nb"],
                    "topics": ["grants"],
                    "weekly_hours": hours,
                },
            )
            advisor.raise_for_status()


async def play(run: Run, settings: Settings) -> tuple[list[Fault], Found, float | None]:
    run.answers = Answers()
    traffic = [
        asyncio.create_task(send_inquiries(run)),
        asyncio.create_task(book_meetings(run)),
        asyncio.create_task(
            read_now_and_then(run, "cases", f"{run.url('intake')}/v1/cases", run.office_key, 2)
        ),
        asyncio.create_task(
            read_now_and_then(
                run, "figures", f"{run.url('reporting')}/v1/figures?office={OFFICE}",
                COUNTY_KEY, 3,
            )
        ),
    ]  # fmt: skip
    try:
        faults = await play_faults(run, settings)
    finally:
        run.stop.set()
        run.give_up_at = run.answers.now() + GIVE_UP_SECONDS
        results = await asyncio.gather(*traffic, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    found, waited = await settle(run, settings)
    return faults, found, waited


def report(
    settings: Settings,
    run: Run,
    faults: list[Fault],
    found: Found,
    waited: float | None,
    load_at_start: str,
) -> None:
    total = Counter(outcome for _, _, outcome in run.answers.log)
    print(
        f"chaos run: {settings.seconds:.0f} s of traffic, faults {','.join(settings.faults)}, "
        f"each down {settings.down:.0f} s; load average (1, 5, 15 min) {load_at_start} at its "
        f"start, {_load()} at its end"
    )
    print()
    print("| fault | at s | down s | all ready again s | answers meanwhile |")
    print("|---|---:|---:|---:|---|")
    for fault in faults:
        print(
            f"| {_fault_name(fault.name)} | {fault.at:.0f} | {fault.down:.1f} | "
            f"{fault.back:.1f} | {_counts(fault.answers)} |"
        )
    print(f"| (whole run) | 0 | | | {_counts(total)} |")
    print()
    booked = sum(1 for p in run.people if p.booking_id)
    caught = (
        f"everything caught up {waited:.0f} s after the traffic stopped"
        if waited is not None
        else f"NOT everything caught up within {settings.settle:.0f} s"
    )
    print(f"{len(run.people)} inquiries accepted, {booked} meetings booked; {caught}.")
    print()
    checks = ledger(run, found)
    print("| ledger check | expected | found | |")
    print("|---|---:|---|---|")
    for check in checks:
        print(f"| {check.what} | {check.expected} | {check.found} | {_mark(check.ok)} |")
    for example in run.answers.examples:
        print(f"  e.g. {example}")
    for delivery, claimed in found.claimed.items():
        mailed = "reached the mail server" if found.mailed[delivery] else "never sent"
        print(f"  left in `sending`: {found.sending[delivery]} {delivery}, {claimed}; {mailed}")


def _fault_name(name: str) -> str:
    if name in SERVICES:
        return f"{name} killed (SIGKILL)"
    return "Kafka broker killed (SIGKILL)" if name == "kafka" else "store stopped"


def _mark(ok: bool | None) -> str:
    return "note" if ok is None else "ok" if ok else "**FAILED**"


def _load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


async def main(settings: Settings) -> int:
    from aiosmtpd.controller import Controller

    load_at_start = _load()
    logs = Path(tempfile.mkdtemp(prefix="hoppid-chaos-logs-"))
    mailbox = Mailbox()
    smtp_port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    folder = Path(tempfile.mkdtemp(prefix="hoppid-chaos-stack-"))
    stack = Stack(folder)
    services: dict[str, Service] = {}
    try:
        print(f"chaos: starting a stack of its own in {folder}", file=sys.stderr)
        await stack.run("up")
        env = service_env(stack, smtp_port)
        for name in SERVICES:  # chaos_<service>: each its own database
            services[name] = Service(name, {**env, "HOPPID_DATABASE": f"chaos_{name}"}, logs)
            await services[name].start()
        run = Run(services, mailbox, stack)
        await all_ready(run, timeout=240)
        await prepare_office(run)
        print(f"chaos: traffic for {settings.seconds:.0f} s", file=sys.stderr)
        faults, found, waited = await play(run, settings)
        report(settings, run, faults, found, waited, load_at_start)
        failed = [check.what for check in ledger(run, found) if check.ok is False]
    finally:
        await asyncio.gather(*(s.stop() for s in services.values()))
        controller.stop()
        with contextlib.suppress(Exception):
            await stack.run("reset")
        shutil.rmtree(folder, ignore_errors=True)
    print(f"\nservice logs: {logs}")
    if failed:
        print(f"chaos: FAILED: {'; '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    try:
        chosen = Settings.from_env(dict(os.environ))
    except ValueError as error:
        print(f"chaos: {error}", file=sys.stderr)
        sys.exit(2)
    sys.exit(asyncio.run(main(chosen)))
