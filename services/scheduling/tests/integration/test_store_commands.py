"""What a booking and a search ask of the store, counted by command against the real store: a
search reads the office's busy times and marks in one query; a booking that wins sends five
commands, one that loses five (its fresh times included), for a case whose office was read
before (its case.opened offer: once per case and process). Counts, never times."""

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient, monitoring

from hoppid.scheduling import context, store
from hoppid.scheduling.advisors.forms import AdvisorForm
from hoppid.scheduling.advisors.use_cases import add_advisor
from hoppid.scheduling.meetings import booking
from hoppid.scheduling.meetings.forms import Booking
from hoppid.scheduling.meetings.model import Search
from hoppid.scheduling.meetings.search import SlotTaken, search_slots
from hoppid.scheduling.model import oslo_instant
from hoppid.scheduling.offices.use_cases import seed_offices
from hoppid.scheduling.ownership import KnownCases, NotOurs
from hoppid.shared.access import Staff
from hoppid.shared.mongo import apply_indexes
from hoppid.shared.tenancy import load_registry
from hoppid.shared.testing import mongodb_url, vault_for_tests

NOW = datetime(2030, 1, 2, 11, 0, tzinfo=UTC)  # a Wednesday; the meetings on the Monday after
MONDAY = date(2030, 1, 7)
OFFICE = "nordveggen"
ADMIN = Staff("test", "*", "platform_admin")
DRIVER = {"hello", "isMaster", "ismaster", "ping", "endSessions", "buildInfo"}


class Commands(monitoring.CommandListener):
    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name not in DRIVER:
            self.seen[f"{event.command_name} {event.command.get(event.command_name)}"] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def take(self) -> Counter[str]:
        taken, self.seen = self.seen, Counter()
        return taken


@dataclass
class Office:
    ctx: context.Context
    commands: Commands
    advisors: list[str]


@pytest.fixture
async def office(unique: str) -> AsyncIterator[Office]:
    commands = Commands()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        mongodb_url(), tz_aware=True, event_listeners=[commands]
    )
    database = client[f"test_{unique}"]
    try:
        await apply_indexes(database, store.INDEXES)
        ctx = context.Context(
            store=store.SchedulingStore(database, "test.hoppid.scheduling"),
            notify=lambda: None,
            public_url="http://127.0.0.1:8002",
            offer_count=3,
            offer_days=14,
            vault=vault_for_tests(database),
            now=lambda: NOW,
        )
        # the office and advisors as recently read, however slow the machine is today
        ctx.offices.FRESH = ctx.advisors.FRESH = 3600.0
        await seed_offices(ctx, load_registry())
        hours = [
            {"weekday": w, "start": "09:00", "end": "15:00", "place": "office"} for w in range(5)
        ]
        advisors = []
        for n in range(3):
            form = {"name": f"A {n}", "email": f"a{n}@example.no", "languages": ["nb"]}
            advisor = AdvisorForm.model_validate({**form, "weekly_hours": hours})
            advisors.append((await add_advisor(ctx, ADMIN, OFFICE, advisor))["_id"])
        for case, person, office_id in (("case-1", "person-1", OFFICE), *FOREIGN):
            await ctx.store.insert_offer(opened(case, person, office_id), [])
        yield Office(ctx, commands, advisors)
    finally:
        await client.drop_database(database.name)
        await client.close()


FOREIGN = [("case-molde", "person-molde", "molde")]  # a case of another office


def opened(case_id: str, person_id: str, office_id: str) -> dict[str, Any]:
    """The offer a case.opened leaves: what scheduling knows of the case's office and person."""
    return {
        "_id": f"opened-{case_id}",
        "case_id": case_id,
        "office_id": office_id,
        "person_id": person_id,
        "slots": [],
        "created_at": NOW,
    }


async def book(
    office: Office,
    advisor_id: str | None,
    hour: int,
    case: str = "case-1",
    person: str = "person-1",
) -> tuple[bool, Counter[str]]:
    start = oslo_instant(MONDAY, time(hour))
    assert start is not None
    form = Booking.model_validate(
        {
            "case_id": case,
            "person_id": person,
            "mode": "digital",
            "start": start.isoformat(),
            "advisor_id": advisor_id,
        }
    )
    office.commands.take()
    try:
        await booking.book(office.ctx, ADMIN, OFFICE, form)
    except SlotTaken:
        return False, office.commands.take()
    return True, office.commands.take()


async def test_a_booking_that_wins_sends_five_commands_and_one_that_loses_five(
    office: Office,
) -> None:
    await book(office, office.advisors[0], 13)  # the office read once, as any request before
    won, commands = await book(office, office.advisors[1], 9)
    assert won
    assert commands == Counter(
        {
            "insert busy_times": 1,  # the mark: being written
            "insert claims": 1,  # every cell, one ordered insert
            "insert bookings": 1,
            "update busy_times": 1,  # its busy time
            "delete busy_times": 1,  # the mark goes
        }
    )
    won, commands = await book(office, office.advisors[1], 9)
    assert not won
    assert commands == Counter(
        {
            "insert busy_times": 1,
            "insert claims": 1,  # stops at the first cell: held
            "find claims": 1,  # by whom (this booking's, or left by a crash?)
            "delete busy_times": 1,
            "find busy_times": 1,  # its fresh times: busy times and marks in one read
        }
    )


async def test_a_case_s_office_is_read_once_and_another_office_s_case_writes_nothing(
    office: Office,
) -> None:
    await book(office, office.advisors[0], 13)  # the office read once, as any request before
    won, commands = await book(office, office.advisors[1], 9)
    assert won and "find offers" not in commands  # case-1's office as read by the first
    office.ctx.cases = KnownCases()  # another process: case-1 read once more
    won, commands = await book(office, office.advisors[2], 9)
    assert won and commands["find offers"] == 1 and sum(commands.values()) == 6
    # a case not seen yet (its case.opened on its way): its offer and the person's cases
    won, commands = await book(office, office.advisors[2], 11, "case-new", "person-new")
    assert won and commands["find offers"] == 2 and sum(commands.values()) == 7
    office.commands.take()
    with pytest.raises(NotOurs) as refused:
        await book(office, office.advisors[1], 11, "case-molde", "person-molde")
    assert refused.value.field == "case_id"
    assert office.commands.take() == Counter({"find offers": 1})  # nothing written


async def test_a_search_reads_the_busy_times_and_marks_in_one_query(office: Office) -> None:
    await book(office, office.advisors[0], 9)
    found = await context.office_for(office.ctx, ADMIN, OFFICE)
    office.commands.take()
    search = Search(MONDAY, MONDAY + timedelta(days=55), "first_guidance", NOW, limit=500)
    slots = await search_slots(office.ctx, found, search)
    assert office.commands.take() == Counter({"find busy_times": 1})
    assert oslo_instant(MONDAY, time(9)) in {s.start for s in slots}  # the other advisors
    assert all(
        not (s.advisor_id == office.advisors[0] and s.start == oslo_instant(MONDAY, time(9)))
        for s in slots
    )
