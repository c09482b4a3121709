"""Store round-trips per inquiry (intake) and per message (notifications), counted by command.

Calls the services' own handlers in this process against the local stack's store, on fresh
databases, with a PyMongo ``CommandListener`` counting every command the handler sends (not
the driver's own hello/ping). No HTTP, no Kafka, no outbox relay: what is counted is what one
inquiry or one event costs the store before its events wait in the outbox. The relay's work
(publishing those events and removing them) and the consumer's commits come on top.

- intake: ``submit_inquiry`` for a new person (and, after them, a retried submission, a same-day
  duplicate and a returning person), plus the office of the answer, as ``POST /v1/inquiries``
  does;
- notifications: ``inquiry.received`` (opened as the consumer opens it) to the receipt, and
  ``meeting.booked`` to the person's mail and the advisor's; mail is handed to a no-op sender;
- scheduling: ``book`` (as ``POST /v1/offices/{id}/bookings`` calls it) won with its advisor
  named, lost to the booking before it (the 409 with fresh times), won without an advisor, and
  an 8-week ``search_slots`` with its office (``GET /v1/offices/{id}/slots``), in an office of
  10 advisors; each within a second of the one before, as under load.

Run with the stack up: ``python bench/store_round_trips.py [scheduling]`` (all paths, or
scheduling's alone). Prints a table per path, with the commands by collection.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import uuid
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from prometheus_client import CollectorRegistry
from pymongo import AsyncMongoClient, monitoring

from hoppid.contracts import intake as intake_events
from hoppid.contracts import scheduling as sched
from hoppid.intake import context as intake_context
from hoppid.intake import store
from hoppid.intake.inquiries import forms
from hoppid.intake.inquiries import use_cases as intake_inquiries
from hoppid.intake.offices import use_cases as intake_offices
from hoppid.notifications import store as notifications_store
from hoppid.notifications.composition.templates import Templates
from hoppid.notifications.context import Context
from hoppid.notifications.delivery.mail import Email
from hoppid.notifications.delivery.sms import FileSmsGateway
from hoppid.notifications.metrics import NotificationMetrics
from hoppid.notifications.reactions import directory, inquiries, meetings
from hoppid.notifications.settings import NotificationsSettings, SmtpServer
from hoppid.scheduling import context as scheduling_context
from hoppid.scheduling import store as scheduling_store
from hoppid.scheduling.advisors.forms import AdvisorForm
from hoppid.scheduling.advisors.use_cases import add_advisor
from hoppid.scheduling.meetings import booking as meeting_booking
from hoppid.scheduling.meetings.forms import Booking
from hoppid.scheduling.meetings.model import Search
from hoppid.scheduling.meetings.search import SlotTaken, search_slots
from hoppid.scheduling.model import is_public_holiday, oslo_instant
from hoppid.scheduling.offices.use_cases import seed_offices
from hoppid.shared.access import Staff
from hoppid.shared.mongo import apply_indexes
from hoppid.shared.tenancy import load_registry
from hoppid.shared.testing import public_inquiry, vault_for_tests

MONGODB_URL = os.environ.get("HOPPID_MONGODB_URL", "mongodb://127.0.0.1:27017/")
LINK_SECRET = os.environ.get("HOPPID_LINK_SECRET", "") or "bench-" + uuid.uuid4().hex
DRIVER = {"hello", "isMaster", "ismaster", "ping", "endSessions", "buildInfo"}
SAMPLES = 5  # the figure is the count of the last: the first may read offices, later not


class Commands(monitoring.CommandListener):
    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name not in DRIVER:
            collection = event.command.get(event.command_name)
            self.seen[f"{event.command_name} {collection}"] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def take(self) -> Counter[str]:
        taken, self.seen = self.seen, Counter()
        return taken


def row(path: str, seen: Counter[str]) -> str:
    detail = ", ".join(f"{name} {n}" for name, n in sorted(seen.items()))
    return f"| {path} | {sum(seen.values())} | {detail} |"


def inquiry_form(n: int, **changes: Any) -> forms.InquiryForm:
    body = public_inquiry(
        email=f"kari{n}@example.no", phone="912 34 567", idea=f"idea {n}: a bakery with a café"
    )
    return forms.InquiryForm.model_validate({**body, **changes})


async def intake_rows(database: Any, commands: Commands) -> list[str]:
    await apply_indexes(database, store.INDEXES)
    intake = store.IntakeStore(database, "bench.hoppid.intake")
    ctx = intake_context.Context(
        store=intake,
        link_secret=LINK_SECRET,
        link_days=30,
        notify=lambda: None,
        vault=vault_for_tests(database),
    )
    await intake_offices.seed_offices(ctx, load_registry())

    async def inquire(form: forms.InquiryForm, key: str | None) -> Counter[str]:
        commands.take()
        case, _ = await intake_inquiries.submit_inquiry(ctx, form, key)
        # the answer's office, as the route reads it
        answer = getattr(intake, "recent_office", intake.office)
        await answer(case["office_id"])
        return commands.take()

    for n in range(SAMPLES):
        seen = await inquire(inquiry_form(n), f"key-{n}")
    rows = [row("intake: inquiry of a new person (with Idempotency-Key)", seen)]
    rows.append(row("intake: the same request again", await inquire(inquiry_form(0), "key-0")))
    duplicate = await inquire(inquiry_form(0), None)
    rows.append(row("intake: a same-day duplicate (no key)", duplicate))
    returning = await inquire(inquiry_form(0, idea="another idea"), "key-x")
    rows.append(row("intake: a returning person's new case", returning))
    return rows


async def no_mail(server: SmtpServer, email: Email) -> None:
    return None


async def notification_rows(database: Any, commands: Commands, folder: Path) -> list[str]:
    await apply_indexes(database, notifications_store.INDEXES)
    vault = vault_for_tests(database)
    ctx = Context(
        store=notifications_store.NotificationsStore(database, "bench.n"),
        templates=Templates(),
        settings=NotificationsSettings.model_validate({}),
        sms=FileSmsGateway(folder / "sms.jsonl"),
        metrics=NotificationMetrics(CollectorRegistry()),
        notify=lambda: None,
        vault=vault,
        send_mail=no_mail,
    )
    now = datetime.now(UTC)
    advisor = sched.AdvisorChanged(
        advisor_id="advisor-1",
        office_id="nordveggen",
        name="Ola",
        email="ola@example.no",
        languages=["nb"],
        changed_at=now,
    )
    sealed_advisor = await vault.seal(
        advisor.to_envelope(source=sched.SOURCE, subject="advisor-1"),
        sched.AdvisorChanged,
        "advisor-1",
    )
    await directory.advisor_changed(
        ctx, sched.AdvisorChanged.model_validate((await vault.unseal(sealed_advisor)).data)
    )
    people = []
    for n in range(SAMPLES):
        person_id = str(uuid.uuid4())
        people.append(person_id)
        event = intake_events.InquiryReceived(
            case_id=f"case-{n}",
            office_id="nordveggen",
            person_id=person_id,
            reference=f"HOP-{n:04d}-BNCH",
            municipality="1539",
            language="nb",
            needs=["guidance"],
            received_at=now,
            name="Kari",
            email=f"kari{n}@example.no",
            case_link_token=f"token-{n}",
        )
        envelope = event.to_envelope(source=intake_events.SOURCE, subject=f"case-{n}")
        sealed = await vault.seal(envelope, intake_events.InquiryReceived, person_id)
        commands.take()
        opened = await vault.unseal(sealed)  # what the consumer does before the handler
        received = intake_events.InquiryReceived.model_validate(opened.data)
        await inquiries.inquiry_received(ctx, received, opened)
        receipt = commands.take()
    rows = [row("notifications: inquiry.received to the receipt (1 mail)", receipt)]
    for n, person_id in enumerate(people):
        start = now + timedelta(days=3, hours=n)
        booked = sched.MeetingBooked(
            booking_id=f"booking-{n}",
            office_id="nordveggen",
            case_id=f"case-{n}",
            person_id=person_id,
            advisor_id="advisor-1",
            meeting_type="first_guidance",
            mode="digital",
            start=start,
            end=start + timedelta(hours=1),
            booked_by="staff",
            booked_at=now,
        )
        envelope = booked.to_envelope(source=sched.SOURCE, subject=f"booking-{n}")
        commands.take()
        await meetings.meeting_booked(ctx, booked, await vault.unseal(envelope))
        meeting = commands.take()
    rows.append(row("notifications: meeting.booked to person and advisor (2 mails)", meeting))
    return rows


async def scheduling_rows(database: Any, commands: Commands) -> list[str]:
    await apply_indexes(database, scheduling_store.INDEXES)
    ctx = scheduling_context.Context(
        store=scheduling_store.SchedulingStore(database, "bench.hoppid.scheduling"),
        notify=lambda: None,
        public_url="http://127.0.0.1:8002",
        offer_count=3,
        offer_days=14,
        vault=vault_for_tests(database),
    )
    await seed_offices(ctx, load_registry())
    admin, office = Staff("bench", "*", "platform_admin"), "nordveggen"
    hours = [{"weekday": w, "start": "09:00", "end": "15:00", "place": "office"} for w in range(5)]
    advisors = []
    for n in range(10):
        form = {"name": f"A {n}", "email": f"a{n}@example.no", "languages": ["nb"]}
        advisor = AdvisorForm.model_validate({**form, "weekly_hours": hours})
        advisors.append((await add_advisor(ctx, admin, office, advisor))["_id"])
    day = datetime.now(UTC).date() + timedelta(days=3)
    while day.weekday() >= 5 or is_public_holiday(day):
        day += timedelta(days=1)

    async def book(n: int, hour: int, advisor_id: str | None) -> Counter[str]:
        start = oslo_instant(day, time(hour))
        assert start is not None
        body = {"case_id": f"c{n}", "person_id": f"p{n}", "mode": "digital"}
        form = {**body, "start": start.isoformat(), "advisor_id": advisor_id}
        commands.take()
        with contextlib.suppress(SlotTaken):
            await meeting_booking.book(ctx, admin, office, Booking.model_validate(form))
        return commands.take()

    for n in range(SAMPLES):
        won = await book(n, 9, advisors[n])
    lost = await book(SAMPLES, 9, advisors[0])
    rows = [row("scheduling: a booking that wins (advisor named)", won)]
    rows.append(row("scheduling: a booking that loses (409 with 5 fresh times)", lost))
    rows.append(row("scheduling: a booking that wins (no advisor named)", await book(99, 11, None)))
    commands.take()
    found = await scheduling_context.office_for(ctx, admin, office)
    search = Search(day, day + timedelta(days=55), "first_guidance", datetime.now(UTC), limit=500)
    await search_slots(ctx, found, search)
    rows.append(row("scheduling: a search, 8 weeks (with its office)", commands.take()))
    return rows


async def main() -> None:
    commands = Commands()
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        MONGODB_URL, tz_aware=True, event_listeners=[commands]
    )
    names = [f"bench_round_trips_{uuid.uuid4().hex[:8]}" for _ in range(3)]
    only = sys.argv[1:2]
    try:
        with TemporaryDirectory(prefix="hoppid-bench-") as folder:
            rows = []
            if not only:
                rows += await intake_rows(mongo[names[0]], commands)
                rows += await notification_rows(mongo[names[1]], commands, Path(folder))
            if not only or only == ["scheduling"]:
                rows += await scheduling_rows(mongo[names[2]], commands)
    finally:
        for name in names:
            await mongo.drop_database(name)
        await mongo.close()
    print("| path | store round-trips | commands (command collection: count) |")
    print("|---|---:|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    asyncio.run(main())
