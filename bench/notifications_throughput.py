"""Messages rendered and delivered per second by notifications, to an SMTP server on loopback.

One run, three parts, each against the same aiosmtpd server in this process (it counts and keeps
what arrives, with the arrival time):

1. **SMTP ceiling** (baseline): ``MESSAGES`` emails, rendered beforehand, handed one after the
   other to the server with the service's own
   ``hoppid.notifications.delivery.mail.send_email`` (stdlib smtplib in a worker thread, one
   connection per message, MIME built per message).
2. **Rendering alone**: ``MESSAGES`` messages made with the real packaged templates, languages
   nb/nn/en in turn: the inquiry receipt (text, HTML, preferences footer), and the meeting
   notice with its calendar file (iCalendar built per message), the latter also with its MIME
   message serialised (what ``send_email`` builds before it connects).
3. **End to end**: notifications runs as its own process (``python -m
   hoppid.notifications.main``, log level warning, a fresh database and topics). The bench plays
   intake and scheduling: ``MESSAGES`` ``inquiry.received`` events for as many people (sealed as
   intake seals them), produced at once, until every receipt is in the server; then
   ``MESSAGES // 2`` ``meeting.booked`` for the first of them, each mailed to the person (with the
   ICS) and to the advisor (10 advisors, known from ``advisor.changed``); then 20 inquiries one
   at a time (the next produced once the previous mail arrived) for the latency of an idle
   pipeline. Latency is event produced to mail received; in the bursts it is mostly the wait in
   the backlog. Afterwards the mail is checked: exactly one per (event, recipient), every meeting
   mail to a person with its ``text/calendar`` part, and the service's deliveries all ``sent``.

With ``COUNTY=<prefix>`` (e.g. ``COUNTY=county.``) the service of part 3 runs instead on the
databases of a county seeded by bench/seed_county.py (``<prefix>hoppid_notifications``: five
years of deliveries and the copies beside them, and its vault), with topics of its own;
afterwards what the run added (its deliveries, people, bookings, advisors and their vault keys)
is removed and the office copy it changed is put back, so the county stays as seeded.

Writes the table to stdout; scripts/bench.sh puts it in docs/benchmarks.md. Run with the local
stack up: ``python bench/notifications_throughput.py [MESSAGES]`` (300 by default, or the
environment variable MESSAGES).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from aiosmtpd.smtp import SMTP
from pymongo import AsyncMongoClient

from hoppid.contracts import intake as intake_events
from hoppid.contracts import scheduling as sched
from hoppid.notifications.composition import messages
from hoppid.notifications.composition.templates import Templates
from hoppid.notifications.copies.offices import OfficeView
from hoppid.notifications.copies.people import Person
from hoppid.notifications.delivery.mail import Email, SmtpSender, message_bytes, send_email
from hoppid.notifications.model import Outgoing
from hoppid.notifications.settings import SmtpServer
from hoppid.shared.envelope import Envelope
from hoppid.shared.kafka import client_options
from hoppid.shared.settings import _database_safe
from hoppid.shared.testing import (
    TEST_LINK_SECRET,
    ServiceProcess,
    delete_topics,
    eventually,
    free_port,
    vault_for_tests,
)

SERVERS = os.environ.get("HOPPID_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
MONGODB_URL = os.environ.get("HOPPID_MONGODB_URL", "mongodb://127.0.0.1:27017/")
OFFICE = "nordveggen"
COUNTY = os.environ.get("COUNTY", "")  # a seeded county's prefix (bench/seed_county.py)
LANGUAGES = ("nb", "nn", "en")
ADVISORS = 10
ONE_AT_A_TIME = 20
LINK_BASE = "https://hoppid.example/v1/me/"
PREFERENCES_BASE = "https://hoppid.example/n/v1/me/"
OFFICE_VIEW = OfficeView(OFFICE, "Nordveggen Næringshage", "post@nordveggen.example", LANGUAGES)


# --- the SMTP server on loopback --------------------------------------------------------------


@dataclass
class Arrived:
    at: float  # time.time() when DATA was accepted
    rcpt_tos: list[str]
    content: bytes


@dataclass
class CountingHandler:
    """Accepts everything and keeps it, with the arrival time (parsed only afterwards)."""

    arrived: list[Arrived] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.arrived.append(Arrived(time.time(), list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@contextlib.asynccontextmanager
async def smtp_server(handler: CountingHandler) -> AsyncIterator[int]:
    loop = asyncio.get_running_loop()
    port = free_port()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="bench-smtp", loop=loop), "127.0.0.1", port
    )
    try:
        yield port
    finally:
        server.close()
        await server.wait_closed()


# --- figures ----------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def row(what: str, count: int, seconds: float, latencies: list[float] | None = None) -> str:
    rate = count / seconds
    shown = f"{rate:,.0f}" if rate >= 100 else f"{rate:.1f}"
    p50 = p99 = "-"
    if latencies:
        p50, p99 = (f"{percentile(latencies, f) * 1000:,.0f}" for f in (0.50, 0.99))
    line = f"| {what} | {count} | {seconds:.2f} | {shown} | {p50} | {p99} |"
    print(line, file=sys.stderr)
    return line


# --- 1 and 2: the SMTP ceiling and rendering alone --------------------------------------------


def person(n: int) -> Person:
    return Person(
        id=f"person-{n}",
        name=f"Kari Nordmann {n}",
        email=f"person-{n}@bench.example",
        language=LANGUAGES[n % len(LANGUAGES)],
        office_id=OFFICE,
        link_token=f"token-{n}",
    )


def receipt_event(n: int) -> intake_events.InquiryReceived:
    who = person(n)
    return intake_events.InquiryReceived(
        case_id=f"case-{n}",
        office_id=OFFICE,
        person_id=who.id,
        reference=f"HOP-{n:05d}-BENCH",
        municipality="1539",
        language=who.language,
        needs=["guidance"],
        received_at=datetime.now(UTC),
        name=who.name,
        email=who.email,
        case_link_token=who.link_token,
    )


def meeting_start(n: int) -> datetime:
    day = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0)
    return day + timedelta(days=7 + n // 6, hours=n % 6)


def meeting_outgoing(n: int) -> Outgoing:
    start = meeting_start(n)
    version = messages.MeetingVersion(
        booking_id=f"booking-{n}",
        office_id=OFFICE,
        case_id=f"case-{n}",
        person_id=f"person-{n}",
        sequence=0,
        start=start,
        end=start + timedelta(hours=1),
        mode="in_person",
        stamp=datetime.now(UTC),
    )
    return messages.meeting_notice(
        "meeting_booked", "REQUEST", version, person(n), OFFICE_VIEW, "post@hoppid.example", "e"
    )


def render(templates: Templates, out: Outgoing) -> Email:
    """As hoppid.notifications.delivery.deliveries composes and sends a message."""
    values = {**OFFICE_VIEW.values(), **out.values}
    link = f"{PREFERENCES_BASE}{out.link_token}/preferences"
    rendered = templates.render(out.message, out.language, out.office_id, values, link)
    return Email(
        sender_name=OFFICE_VIEW.name,
        sender_address="post@hoppid.example",
        reply_to=OFFICE_VIEW.contact_email,
        to=out.address or "",
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        language=rendered.language,
        delivery_id=uuid.uuid4().hex,
        calendar=out.calendar,
        calendar_method=out.calendar_method,
    )


def timed_renders(count: int, make: Callable[[int], object]) -> float:
    for n in range(20):  # warm-up: imports, file cache
        make(n)
    began = time.perf_counter()
    for n in range(count):
        make(n)
    return time.perf_counter() - began


def rendering_rows(count: int) -> list[str]:
    templates = Templates()

    def receipt(n: int) -> Email:
        return render(templates, messages.inquiry_receipt(receipt_event(n), "e", LINK_BASE))

    def meeting(n: int) -> Email:
        return render(templates, meeting_outgoing(n))

    def with_mime(n: int) -> bytes:
        return message_bytes(meeting(n))

    return [
        row("render: inquiry receipt, text + HTML", count, timed_renders(count, receipt)),
        row("render: meeting booked, text + HTML + ICS", count, timed_renders(count, meeting)),
        row(
            "render: meeting booked + its MIME message as bytes",
            count,
            timed_renders(count, with_mime),
        ),
    ]


async def smtp_ceiling(count: int, port: int, handler: CountingHandler) -> list[str]:
    """The same pre-rendered mail twice: a connection per message (``send_email``), then over
    one kept connection (``SmtpSender``, what the service sends with)."""
    templates = Templates()
    emails = [render(templates, meeting_outgoing(n)) for n in range(count)]
    server = SmtpServer(host="127.0.0.1", port=port, timeout_seconds=60)
    sender = SmtpSender()
    rows = []
    for what, send in (
        ("baseline: send_email of pre-rendered mail, one after the other", send_email),
        ("baseline: the same over one kept connection (SmtpSender)", sender),
    ):
        before = len(handler.arrived)
        began = time.perf_counter()
        for email in emails:
            await send(server, email)
        seconds = time.perf_counter() - began
        assert len(handler.arrived) - before == count, "the baseline lost mail"
        rows.append(row(what, count, seconds))
    await sender.close()
    return rows


# --- 3: end to end ----------------------------------------------------------------------------


class Events:
    """Plays intake and scheduling: their events on the run's topics, personal fields sealed."""

    def __init__(self, prefix: str, vault_database: Any) -> None:
        self.prefix = prefix
        self.vault = vault_for_tests(vault_database)
        self.producer = AIOKafkaProducer(**client_options(SERVERS), acks="all", linger_ms=5)

    async def send(self, domain: str, envelopes: list[Envelope]) -> float:
        """Produce all at once; the time (time.time()) just before the first is sent."""
        at = time.time()
        futures = [
            await self.producer.send(
                f"{self.prefix}hoppid.{domain}",
                e.value(),
                key=e.key(),
                headers=[(k, v.encode()) for k, v in e.headers().items()],
            )
            for e in envelopes
        ]
        await asyncio.gather(*futures)
        return at

    async def office_and_advisors(self) -> None:
        office = intake_events.OfficeChanged(
            office_id=OFFICE,
            name=OFFICE_VIEW.name,
            municipalities=["1539"],
            languages=list(LANGUAGES),
            contact_email=OFFICE_VIEW.contact_email,
            yearly_budget_eur=32000,
            changed_at=datetime.now(UTC),
        )
        intake = [office.to_envelope(source=intake_events.SOURCE, subject=OFFICE, office=OFFICE)]
        await self.send("intake", intake)
        advisors = []
        for n in range(ADVISORS):
            event = sched.AdvisorChanged(
                advisor_id=f"advisor-{n}",
                office_id=OFFICE,
                name=f"Rådgiver {n}",
                email=f"advisor-{n}@nordveggen.example",
                languages=[LANGUAGES[n % len(LANGUAGES)]],
                active=True,
                changed_at=datetime.now(UTC),
            )
            plain = event.to_envelope(source=sched.SOURCE, subject=event.advisor_id, office=OFFICE)
            advisors.append(await self.vault.seal(plain, sched.AdvisorChanged, event.advisor_id))
        await self.send("scheduling", advisors)

    async def inquiries(self, numbers: range) -> list[Envelope]:
        """Sealed as intake seals them (one vault key per person): made before the clock runs."""
        sealed = []
        for n in numbers:
            event = receipt_event(n)
            envelope = event.to_envelope(
                source=intake_events.SOURCE, subject=event.case_id, office=OFFICE
            )
            sealed.append(
                await self.vault.seal(envelope, intake_events.InquiryReceived, event.person_id)
            )
        return sealed

    def meetings(self, count: int) -> list[Envelope]:
        out = []
        for n in range(count):
            start = meeting_start(n)
            event = sched.MeetingBooked(
                booking_id=f"booking-{n}",
                office_id=OFFICE,
                case_id=f"case-{n}",
                person_id=f"person-{n}",
                advisor_id=f"advisor-{n % ADVISORS}",
                meeting_type="first_guidance",
                mode="in_person",
                start=start,
                end=start + timedelta(hours=1),
                booked_by="staff",
                booked_at=datetime.now(UTC),
            )
            envelope = event.to_envelope(
                source=sched.SOURCE, subject=event.booking_id, office=OFFICE
            )
            out.append(envelope)
        return out


async def until_mail(handler: CountingHandler, total: int, timeout: float) -> float:
    """Wait until ``total`` mails have arrived; the arrival time of the last."""

    async def enough() -> bool:
        return len(handler.arrived) >= total

    await eventually(enough, timeout=timeout, interval=0.002, what=f"{total} mails")
    return handler.arrived[total - 1].at


def latencies_to_people(
    arrived: list[Arrived], produced_at: float, people: set[str]
) -> list[float]:
    return [a.at - produced_at for a in arrived if set(a.rcpt_tos) & people]


async def burst(
    events: Events,
    handler: CountingHandler,
    domain: str,
    envelopes: list[Envelope],
    mails: int,
    people: set[str],
) -> tuple[float, list[float]]:
    before = len(handler.arrived)
    produced_at = await events.send(domain, envelopes)
    last = await until_mail(handler, before + mails, timeout=max(600.0, 3.0 * mails))
    latencies = latencies_to_people(handler.arrived[before:], produced_at, people)
    return last - produced_at, latencies


async def one_at_a_time(
    events: Events, handler: CountingHandler, first: int
) -> tuple[float, list[float]]:
    """Seconds: the sum of the latencies (sealing the next event is not counted)."""
    latencies = []
    for n in range(first, first + ONE_AT_A_TIME):
        envelope = (await events.inquiries(range(n, n + 1)))[0]
        before = len(handler.arrived)
        produced_at = await events.send("intake", [envelope])
        latencies.append(await until_mail(handler, before + 1, timeout=120) - produced_at)
    return sum(latencies), latencies


async def service_ready(service: ServiceProcess) -> None:
    async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:

        async def ready() -> bool:
            response = await client.get("/readyz")
            return response.status_code == 200

        await eventually(ready, timeout=120, what="notifications ready")


async def settled(database: Any, since: datetime) -> None:
    """The office and the advisors kept before the clock runs."""

    async def known() -> bool:
        ours = {"_id": {"$in": [f"advisor-{n}" for n in range(ADVISORS)]}}
        advisors: int = await database["advisors"].count_documents(ours)
        office = await database["offices"].find_one({"_id": OFFICE})
        return advisors == ADVISORS and office is not None and office["as_of"] >= since

    await eventually(known, timeout=120, what="office and advisors kept")


def service_env(prefix: str, db_name: str, vault_db: str, smtp_port: int) -> dict[str, str]:
    return {
        "HOPPID_KAFKA_BOOTSTRAP_SERVERS": SERVERS,
        "HOPPID_MONGODB_URL": MONGODB_URL,
        "HOPPID_TOPIC_PREFIX": prefix,
        "HOPPID_DATABASE": db_name,
        "HOPPID_VAULT_DATABASE": vault_db,
        "HOPPID_LOG_LEVEL": "WARNING",
        "HOPPID_NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
        "HOPPID_NOTIFICATIONS_SMTP_PORT": str(smtp_port),
        "HOPPID_NOTIFICATIONS_SMTP_TIMEOUT_SECONDS": "60",
        "HOPPID_NOTIFICATIONS_LINK_BASE_URL": LINK_BASE,
        "HOPPID_NOTIFICATIONS_PREFERENCES_BASE_URL": PREFERENCES_BASE,
        "HOPPID_NOTIFICATIONS_DIGEST_AT": "23:59",  # no advisor digest in the mail counted
        # the secret the bench's vault (vault_for_tests) wraps the people's keys under: with
        # another one the service cannot open them (VaultKeyError) and no mail is sent. Given
        # here, not left to ServiceProcess's default, so a HOPPID_LINK_SECRET in the
        # environment cannot part them again.
        "HOPPID_LINK_SECRET": TEST_LINK_SECRET,
    }


@dataclass
class Check:
    mails: int = 0
    distinct_ids: int = 0
    extra: Counter[str] = field(default_factory=Counter)  # recipient: mails beyond one per event
    missing: int = 0
    meeting_mails_without_ics: int = 0
    deliveries: Counter[str] = field(default_factory=Counter)

    def line(self) -> str:
        return (
            f"Check after the run: {self.mails} mails in the server, {self.distinct_ids} distinct "
            f"Message-IDs (one per delivery), {sum(self.extra.values())} beyond one per "
            f"(event, recipient), {self.missing} missing, {self.meeting_mails_without_ics} "
            f"meeting mails to a person without their ICS; the service's deliveries by status: "
            f"{dict(sorted(self.deliveries.items()))}."
        )


async def check(
    arrived: list[Arrived],
    expected: Counter[str],
    with_ics: set[str],
    database: Any,
    since: datetime,
) -> Check:
    """Exactly the mails expected (by recipient), each delivery once, the meetings with ICS."""
    result = Check(mails=len(arrived))
    got: Counter[str] = Counter()
    ids, calendars = set(), set()
    for mail in arrived:
        message = BytesParser(policy=policy.default).parsebytes(mail.content)
        assert isinstance(message, EmailMessage)
        ids.add(str(message["Message-ID"]))
        got.update(mail.rcpt_tos)
        if any(part.get_content_type() == "text/calendar" for part in message.walk()):
            calendars.update(mail.rcpt_tos)
    result.distinct_ids = len(ids)
    result.extra = Counter({r: n - expected[r] for r, n in got.items() if n > expected[r]})
    result.missing = sum(max(0, n - got[r]) for r, n in expected.items())
    result.meeting_mails_without_ics = len(with_ics - calendars)
    run = {"created_at": {"$gte": since}}  # the run's (a seeded county's are older)
    async for delivery in database["deliveries"].find(run, {"status": 1}):
        result.deliveries[delivery["status"]] += 1
    return result


async def end_to_end(count: int, handler: CountingHandler, port: int) -> tuple[list[str], Check]:
    run_id = uuid.uuid4().hex[:8]
    prefix, db_name = f"bench-{run_id}.", f"bench_notifications_{run_id}"
    vault_db = db_name
    if COUNTY:  # the seeded county's databases; topics of this run's own
        db_name, vault_db = (
            f"{_database_safe(COUNTY)}hoppid_{s}" for s in ("notifications", "vault")
        )
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(MONGODB_URL, tz_aware=True)
    database = mongo[db_name]
    service = ServiceProcess("notifications", service_env(prefix, db_name, vault_db, port))
    events = Events(prefix, mongo[vault_db])
    since = datetime.now(UTC).replace(microsecond=0)
    seeded_office = await database["offices"].find_one({"_id": OFFICE})
    meetings = count // 2
    first_mail = len(handler.arrived)
    try:
        await service.start()
        await service_ready(service)
        await events.producer.start()
        await events.office_and_advisors()
        await settled(database, since)
        inquiries = await events.inquiries(range(count))
        people = {person(n).email for n in range(count)}
        seconds, latencies = await burst(events, handler, "intake", inquiries, count, people)
        rows = [row(f"end to end: {count} inquiry.received → receipt", count, seconds, latencies)]
        mine = {person(n).email for n in range(meetings)}
        seconds, latencies = await burst(
            events, handler, "scheduling", events.meetings(meetings), 2 * meetings, mine
        )
        what = f"end to end: {meetings} meeting.booked → person (ICS) + advisor"
        rows.append(row(what, 2 * meetings, seconds, latencies))
        seconds, latencies = await one_at_a_time(events, handler, count)
        what = f"end to end: {ONE_AT_A_TIME} inquiry.received one at a time"
        rows.append(row(what, ONE_AT_A_TIME, seconds, latencies))
        await asyncio.sleep(3)  # anything sent twice would arrive now
        expected: Counter[str] = Counter(person(n).email for n in range(count + ONE_AT_A_TIME))
        expected.update(person(n).email for n in range(meetings))
        expected.update(f"advisor-{n % ADVISORS}@nordveggen.example" for n in range(meetings))
        checked = await check(handler.arrived[first_mail:], expected, mine, database, since)
        if "Traceback" in service.log_text():
            print(service.log_text()[-3000:], file=sys.stderr)
    finally:
        await service.stop()
        with contextlib.suppress(Exception):
            await events.producer.stop()
        with contextlib.suppress(Exception):
            if COUNTY:
                await remove_run(database, mongo[vault_db], since, seeded_office)
            else:
                await mongo.drop_database(db_name)
        await mongo.close()
        await delete_topics(prefix)
    return rows, checked


async def remove_run(
    database: Any, vault: Any, since: datetime, office: dict[str, Any] | None
) -> None:
    """What a run on the seeded county added (its people, meetings and advisors are named
    ``person-<n>``, ``booking-<n>``, ``advisor-<n>``; seeded ids are UUIDs), and the office copy
    as it was."""
    await database["deliveries"].delete_many({"created_at": {"$gte": since}})
    for collection in ("people", "bookings", "advisors", "preferences"):
        await database[collection].delete_many({"_id": {"$regex": "^(person|booking|advisor)-"}})
    await vault["person_keys"].delete_many(
        {"_id": {"$regex": "^(notifications:)?(person|advisor)-"}}
    )
    if office is not None:
        await database["offices"].replace_one({"_id": OFFICE}, office)


async def main(count: int) -> None:
    handler = CountingHandler()
    async with smtp_server(handler) as port:
        rows = await smtp_ceiling(count, port, handler)
        rows += rendering_rows(count)
        handler.arrived.clear()
        more, checked = await end_to_end(count, handler, port)
    print("| path | messages | seconds | messages/s | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    print("\n".join(rows + more))
    print()
    print(checked.line())


def argument() -> int:
    if len(sys.argv) > 1:
        return int(sys.argv[1])
    return int(os.environ.get("MESSAGES", 300))


if __name__ == "__main__":
    import logging

    logging.disable(logging.WARNING)
    asyncio.run(main(argument()))
