"""A county's size for every benchmark: five years of Møre og Romsdal, made by the services' code.

Fills the databases of one platform instance (a topic prefix, ``county.`` by default: intake's
database ``county_hoppid_intake``, the vault ``county_hoppid_vault``, scheduling's
``county_hoppid_scheduling`` and notifications's ``county_hoppid_notifications``, the names a
service started with ``HOPPID_TOPIC_PREFIX=county.`` uses) with what five years of inquiries,
case work, meetings and messages leave behind in the 27 municipalities, at full scale:

- about 40,000 people and 50,000 cases (a fifth of the people came back with a second idea),
  over the eight offices intake seeds from the packaged data, each municipality weighted by its
  population; every case's inquiry goes through intake's own ``submit_inquiry`` and its case
  work through intake's handlers (``change_status``, ``assign_advisor``, ``add_note``,
  ``record_application``, ``decide_application``, ``register_company``,
  ``make_introduction``), each on the seeding's clock at the moment it happened;
- the claims (idempotency and same-day duplicate), the people with their consents, the vault's
  per-person keys that seal the personal fields of the events;
- every event those handlers made, counted by type; they lie in the past, so each document's
  outbox is left as the relay leaves it after Kafka acknowledged them (empty, no pending mark),
  and the relay's once-only backfill is noted done (``outbox_relay``), as a relay would have;
- scheduling's and notifications's part (bench/seed_county_meetings.py): each office's
  advisors, an offer of free times per opened case, the meetings booked, reminded, cancelled,
  held or missed, with their claims and busy times; every message notifications sends for
  intake's and scheduling's events, recorded sent, with the copies it keeps. Made by those
  services' own handlers on the seeding's clock, in time order across the county, after
  intake's part has made the cases.

How it is fast enough: the handlers run against :class:`CollectingIntakeStore`, intake's own
:class:`~hoppid.intake.store.IntakeStore` whose case, person and claim methods keep the
documents in memory (applying each update as the store would) instead of sending each write;
a case is written once its five years of case work are done, 1,000 documents per
``insert_many``, several at once, while the next cases are being made. Offices go through the
real store (``seed_offices``), and the indexes are intake's declared ones (``apply_indexes``,
which on the local store also makes the GIN expression indexes).

Deterministic: one seeded random generator decides everything (who, when, where, what
happened) and makes the ids (intake's handlers call ``uuid.uuid4``, which is pointed at it for
the run) and the vault's keys; the clock is injected (``Context.now``) and walks the five years
before ``END``. What differs between two runs is only the AES-GCM nonces of sealed fields.

Refuses to seed twice: a ``seeding`` document in intake's database notes the run (scale, seed,
the parts seeded, counts, seconds, finished or not); with one there, the command stops unless
``--drop`` is given, which drops the instance's four databases first. ``--if-missing`` makes a
finished seeding of every part a success with nothing to do, and seeds an older one that lacks
scheduling's and notifications's part again from the start (dropping it).

    .venv/bin/python bench/seed_county.py [--scale 1.0] [--prefix county.] [--seed 12]
        [--drop | --if-missing] [--writers 4]

with ``HOPPID_MONGODB_URL`` pointing at the store. Prints a summary table (Markdown).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from seed_county_meetings import CountyMeetings, apply_update

from hoppid.intake import store as intake_store
from hoppid.intake.cases import forms
from hoppid.intake.cases import use_cases as case_handlers
from hoppid.intake.context import Context
from hoppid.intake.inquiries import use_cases as inquiry_handlers
from hoppid.intake.inquiries.forms import InquiryForm
from hoppid.intake.model import CONSENT_TEXT_VERSION, valid_org_number
from hoppid.intake.offices import use_cases as office_handlers
from hoppid.scheduling.advisors import use_cases as advisor_handlers
from hoppid.scheduling.meetings import booking as booking_handlers
from hoppid.shared import envelope as envelope_module
from hoppid.shared.access import Staff
from hoppid.shared.envelope import Envelope
from hoppid.shared.mongo import apply_indexes, make_mongo_client
from hoppid.shared.outbox import (
    HIDE_OUTBOX,
    OUTBOX,
    PENDING,
    RELAY_STATE,
    with_outbox,
    without_outbox,
)
from hoppid.shared.pii import PersonalDataVault, vault_kek, wrap_key
from hoppid.shared.settings import _database_safe
from hoppid.shared.tenancy import OfficeRegistry, load_registry

Document = dict[str, Any]

MONGODB_URL = os.environ.get("HOPPID_MONGODB_URL", "mongodb://127.0.0.1:27017/")
END = datetime(2026, 12, 1, tzinfo=UTC)  # the seeded five years end here (in the past)
START = END - timedelta(days=5 * 365 + 1)
FULL_CASES = 50_000
FULL_PEOPLE = 40_000
BATCH = 1_000
SEEDING = "seeding"  # intake's database: the note of this command's run
PARTS = ["intake", "scheduling", "notifications"]  # what a finished seeding holds
LINK_SECRET = "county-seeding-link-secret-not-for-production"  # noqa: S105 (seeded data only)

# approximate populations (2024), the weight of each municipality's inquiries
POPULATION = {
    "1505": 24_300, "1506": 32_600, "1508": 58_000, "1511": 3_100, "1514": 2_500,
    "1515": 8_900, "1516": 8_700, "1517": 5_200, "1520": 10_900, "1525": 4_500,
    "1528": 7_700, "1531": 9_900, "1532": 8_600, "1535": 6_800, "1539": 7_500,
    "1547": 3_700, "1554": 5_900, "1557": 2_600, "1560": 3_000, "1563": 7_000,
    "1566": 5_800, "1573": 2_100, "1576": 3_500, "1577": 10_900, "1578": 2_500,
    "1579": 13_300, "1580": 9_400,
}  # fmt: skip
IDEAS = (
    "a bakery with a café and a small shop for local food",
    "guided kayak trips in the fjord for tourists",
    "a workshop that repairs and sells used outboard motors",
    "an app that plans the ferries and buses of the county in one",
    "smoked salmon and fish cakes sold to shops in the region",
    "a coworking space with a desk and a meeting room for rent",
    "a small brewery with beer from local grain",
    "accounting services for farms and fishermen",
    "a design studio for furniture in Norwegian wood",
    "a cleaning company for holiday cabins",
    "sheep wool yarn, spun and dyed by hand",
    "a physiotherapy practice with training in groups",
)
FIRST_NAMES = (
    "Kari", "Ola", "Ingrid", "Lars", "Sigrid", "Anders", "Maria", "Jonas", "Aisha",
    "Mohammed", "Nora", "Emil", "Ida", "Tobias", "Hanna", "Magnus", "Sofie", "Erik",
)  # fmt: skip
LAST_NAMES = (
    "Nordmann", "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen",
    "Nilsen", "Kristiansen", "Jensen", "Karlsen", "Berg", "Haugen", "Hagen", "Vik",
)  # fmt: skip
PROGRAMMES = ("Innovasjon Norge: etablerertilskudd", "Regionalt næringsfond", "Skattefunn")
REASONS = ("no_response", "not_ready", "not_viable", "moved_away", "other_help", "done")


# --- the store the handlers write to: intake's, its writes kept until a case is done ------------


def _copy(document: Document | None, hide: Iterable[str] = ()) -> Document | None:
    if document is None:
        return None
    hidden = set(hide)
    return {k: v for k, v in document.items() if k not in hidden}


class CollectingIntakeStore(intake_store.IntakeStore):
    """intake's store whose people, cases and claims live in memory until written in bulk.

    Offices and keys go through the real store (a handful). Every method the inquiry and case
    handlers call answers as the real one would for the documents collected so far."""

    def __init__(self, database: AsyncDatabase[Document], topic: str) -> None:
        super().__init__(database, topic)
        self.people: dict[str, Document] = {}
        self.people_by_email: dict[str, str] = {}
        self.people_with_cases: set[str] = set()
        self.cases: dict[str, Document] = {}  # being worked on; taken away when done
        self.claims: list[Document] = []
        self.claimed: dict[str, str] = {}

    async def claim(self, keys: Sequence[str], case_id: str, at: datetime) -> str:
        earlier = next((self.claimed[k] for k in keys if k in self.claimed), None)
        for key in keys:
            if key not in self.claimed:
                self.claimed[key] = earlier or case_id
                self.claims.append({"_id": key, "case_id": earlier or case_id, "at": at})
        return earlier or case_id

    async def person_by_email(self, email: str) -> Document | None:
        person_id = self.people_by_email.get(email)
        return _copy(self.people.get(person_id or ""))

    async def person(self, person_id: str) -> Document | None:
        return _copy(self.people.get(person_id), HIDE_OUTBOX)

    async def insert_person(self, person: Document) -> bool:
        if person["email"] in self.people_by_email or person["_id"] in self.people:
            return False
        self.people[person["_id"]] = dict(person)
        self.people_by_email[person["email"]] = person["_id"]
        return True

    async def update_person(
        self, person_id: str, update: Mapping[str, Any], events: Iterable[Envelope] = ()
    ) -> Document | None:
        person = self.people.get(person_id)
        if person is None:
            return None
        events = list(events)
        apply_update(person, with_outbox(update, self.topic, events))
        return without_outbox(_copy(person))

    async def insert_case(self, case: Document, events: Iterable[Envelope]) -> bool:
        if case["_id"] in self.cases:
            return False
        self.cases[case["_id"]] = self.stored_case(case, events)
        self.people_with_cases.add(case["person_id"])
        return True

    async def case_by_id(self, case_id: str) -> Document | None:
        return _copy(self.cases.get(case_id), HIDE_OUTBOX)

    async def case(self, office_id: str, case_id: str) -> Document | None:
        case = self.cases.get(case_id)
        if case is None or case["office_id"] != office_id:
            return None
        return _copy(case, HIDE_OUTBOX)

    async def has_cases(self, person_id: str) -> bool:
        return person_id in self.people_with_cases

    async def update_case(
        self,
        office_id: str,
        case_id: str,
        update: Mapping[str, Any],
        events: Iterable[Envelope],
        expect: Mapping[str, Any] | None = None,
    ) -> Document | None:
        case = self.cases.get(case_id)
        if case is None or case["office_id"] != office_id:
            return None
        if any(case.get(k) != v for k, v in (expect or {}).items()):
            return None
        apply_update(case, with_outbox(update, self.topic, events))
        return without_outbox(_copy(case))

    def take_case(self, case_id: str) -> Document:
        """A finished case, out of memory: for the bulk writer."""
        return self.cases.pop(case_id)


class CollectingVault(PersonalDataVault):
    """The vault with keys made from the seeding's random generator, written in bulk later."""

    def __init__(self, database: AsyncDatabase[Document], rng: random.Random, clock: SeedClock):
        super().__init__(database, vault_kek(LINK_SECRET))  # as the services open it
        self.rng, self.clock = rng, clock
        self.made: dict[str, bytes] = {}
        self.documents: list[Document] = []

    async def _key(self, person_id: str, *, create: bool, look_first: bool = True) -> bytes | None:
        key = self.made.get(person_id)
        if key is None and create:
            key = self.made[person_id] = self.rng.randbytes(32)
            document = {"_id": person_id, "wrapped": wrap_key(self._kek, person_id, key)}
            self.documents.append({**document, "created_at": self.clock()})
        return key


class SeededUuids:
    """Stands in for the ``uuid`` module in intake's handlers: ids from the seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def uuid4(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)


@dataclass
class SeedClock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


# --- writing in bulk ----------------------------------------------------------------------------


@dataclass
class Writer:
    """Bulk inserts, ``concurrency`` of them in flight while the caller goes on making data."""

    concurrency: int
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    written: Counter[str] = field(default_factory=Counter)

    async def insert(
        self, collection: AsyncCollection[Document], documents: list[Document]
    ) -> None:
        for start in range(0, len(documents), BATCH):
            while len(self.tasks) >= self.concurrency:
                done, _ = await asyncio.wait(self.tasks, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    task.result()  # a failed write stops the seeding
                self.tasks -= done
            chunk = documents[start : start + BATCH]
            self.tasks.add(asyncio.create_task(self._write(collection, chunk)))

    async def _write(
        self, collection: AsyncCollection[Document], documents: list[Document]
    ) -> None:
        await collection.insert_many(documents, ordered=False)
        self.written[f"{collection.database.name}/{collection.name}"] += len(documents)

    async def drain(self) -> None:
        if self.tasks:
            await asyncio.gather(*self.tasks)
        self.tasks.clear()


# --- five years of one county -------------------------------------------------------------------


@dataclass
class Plan:
    """Who inquires when, decided up front so the run is the same every time."""

    at: datetime
    person: int


def plan_inquiries(rng: random.Random, cases: int, people: int) -> list[Plan]:
    """Every person's first inquiry, then the second ideas of some, in time order; more
    inquiries in later years (the offices became known), fewer in July and at Christmas."""
    span = (END - START).total_seconds()

    def moment() -> datetime:
        while True:
            at = START + timedelta(seconds=span * rng.random() ** 0.85)
            quiet = at.month == 7 or (at.month == 12 and at.day > 20)
            if not quiet or rng.random() < 0.4:
                return at

    plans = [Plan(moment(), person) for person in range(people)]
    plans += [Plan(moment(), rng.randrange(people)) for _ in range(cases - people)]
    plans.sort(key=lambda p: p.at)
    return plans


@dataclass
class Person:
    name: str
    email: str
    phone: str | None
    municipality: str
    language: str


def org_number(rng: random.Random) -> str:
    while True:
        number = f"9{rng.randrange(10**8):08d}"
        if valid_org_number(number):
            return number


@dataclass
class County:
    ctx: Context
    store: CollectingIntakeStore
    clock: SeedClock
    rng: random.Random
    registry: OfficeRegistry
    municipalities: list[str]
    weights: list[int]
    advisors: dict[str, list[str]]
    calls: Counter[str] = field(default_factory=Counter)

    def person_form(self, who: Person, idea: str) -> InquiryForm:
        rng = self.rng
        return InquiryForm(
            name=who.name,
            email=who.email,
            phone=who.phone,
            municipality=who.municipality,
            idea=idea,
            stage=rng.choice(("idea", "idea", "starting", "running")),
            needs=rng.sample(
                ("guidance", "course", "application_help", "network_introduction", "office_seat"),
                rng.choice((1, 1, 2, 3)),
            ),
            language=who.language,
            meeting_mode=rng.choice(("in_person", "digital")),
            consent_processing=True,
            consent_text_version=CONSENT_TEXT_VERSION,
            consent_newsletter=rng.random() < 0.3,
            share_company_with_partners=rng.random() < 0.6,
        )

    def person(self, number: int, people: dict[int, Person]) -> Person:
        """The same person each time they inquire: name, email, home, language."""
        known = people.get(number)
        if known is None:
            rng = self.rng
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            known = people[number] = Person(
                name=f"{first} {last}",
                email=f"{first.lower()}.{last.lower()}.{number}@example.no",
                phone=f"9{rng.randrange(10**7):07d}" if rng.random() < 0.8 else None,
                municipality=rng.choices(self.municipalities, self.weights)[0],
                language=rng.choices(("nb", "nn", "en"), (70, 22, 8))[0],
            )
        return known

    async def inquiry(self, plan: Plan, people: dict[int, Person]) -> Document:
        rng = self.rng
        who = self.person(plan.person, people)
        idea = f"{rng.choice(IDEAS)} (idea {rng.randrange(10**6)})"
        self.clock.now = plan.at
        key = f"seed-{rng.getrandbits(64):016x}" if rng.random() < 0.5 else None
        case, created = await inquiry_handlers.submit_inquiry(
            self.ctx, self.person_form(who, idea), key
        )
        assert created, "a seeded inquiry is always new"
        self.calls["submit_inquiry"] += 1
        return case

    async def work(self, case: Document) -> None:
        """What the office did with the case in the time it had before ``END``."""
        rng, office = self.rng, case["office_id"]
        staff = Staff(key_id=f"seed-{office}", office_id=office, role="advisor")
        at: datetime = case["created_at"]

        async def do(days: float, call: Any, *arguments: Any) -> bool:
            """One handler call ``days`` after the last, if that is before ``END``."""
            nonlocal at
            later = at + timedelta(days=days, minutes=rng.randrange(9 * 60))
            if later >= END:
                return False
            at = self.clock.now = later
            await call(self.ctx, staff, case["_id"], *arguments)
            self.calls[call.__name__] += 1
            return True

        def status(to: str, reason: str | None = None) -> forms.ChangeStatus:
            return forms.ChangeStatus(status=to, reason=reason)

        change = case_handlers.change_status
        if rng.random() < 0.04 or not await do(rng.uniform(0.2, 4), change, status("contacted")):
            return
        advisor = forms.AssignAdvisor(advisor_id=rng.choice(self.advisors[office]))
        await do(0, case_handlers.assign_advisor, advisor)
        if rng.random() < 0.3:
            reason = rng.choice(("no_response", "not_ready", "other_help"))
            await do(rng.uniform(10, 60), change, status(rng.choice(("closed", "paused")), reason))
            return
        if not await do(rng.uniform(2, 20), change, status("in_guidance")):
            return
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            topic = rng.choice(("budget", "market", "premises", "grants"))
            note = forms.AddNote(text=f"Meeting notes: talked about {topic}")
            await do(rng.uniform(3, 40), case_handlers.add_note, note)
        if "application_help" in case["needs"] or rng.random() < 0.15:
            await self.application(do)
        if rng.random() < 0.2:
            intro = forms.MakeIntroduction(
                to_whom="a mentor of the regional network",
                kind=rng.choice(("company", "investor", "mentor", "public_body")),
                why="experience from the same trade",
            )
            await do(rng.uniform(5, 60), case_handlers.make_introduction, intro)
        ending = rng.random()
        if ending < 0.28:
            registered = (at + timedelta(days=rng.uniform(20, 200))).date()
            company = forms.RegisterCompany(org_number=org_number(rng), registered_on=registered)
            await do(rng.uniform(20, 200), case_handlers.register_company, company)
        elif ending < 0.78:
            await do(rng.uniform(30, 400), change, status("closed", rng.choice(REASONS)))
        elif ending < 0.88:
            await do(rng.uniform(30, 200), change, status("paused", "not_ready"))

    async def application(self, do: Any) -> None:
        """A grant application recorded, and decided later."""
        rng = self.rng
        asked = rng.randrange(20, 500) * 1000
        form = forms.RecordApplication(
            programme=rng.choice(PROGRAMMES), amount_asked_nok=asked, deadline=None
        )
        recorded: list[str] = []

        async def record(ctx: Context, staff: Staff, case_id: str, f: Any) -> None:
            case = await case_handlers.record_application(ctx, staff, case_id, f)
            recorded.append(case["applications"][-1]["id"])

        record.__name__ = "record_application"
        if not await do(rng.uniform(5, 60), record, form):
            return
        outcome = rng.choices(("granted", "rejected", "withdrawn"), (55, 35, 10))[0]
        decision = forms.DecideApplication(
            outcome=outcome,
            amount_granted_nok=asked // 2 if outcome == "granted" else 0,
        )

        async def decide(ctx: Context, staff: Staff, case_id: str, f: Any) -> None:
            await case_handlers.decide_application(ctx, staff, case_id, recorded[0], f)

        decide.__name__ = "decide_application"
        await do(rng.uniform(20, 90), decide, decision)


def published(document: Document, events: Counter[str]) -> Document:
    """The document as the relay leaves it once Kafka acknowledged its outbox."""
    for entry in document.get(OUTBOX, []):
        events[entry["event"]["type"]] += 1
    document[OUTBOX] = []
    document.pop(PENDING, None)
    return document


async def seed_county(
    mongo: AsyncMongoClient[Document], prefix: str, scale: float, seed: int, writers: int
) -> dict[str, Any]:
    safe = _database_safe(prefix)
    database, vault_db = mongo[f"{safe}hoppid_intake"], mongo[f"{safe}hoppid_vault"]
    rng = random.Random(seed)  # noqa: S311 (made-up data, the same every run)
    clock = SeedClock()
    topic = f"{prefix}hoppid.intake"
    store = CollectingIntakeStore(database, topic)
    vault = CollectingVault(vault_db, rng, clock)
    ctx = Context(
        store=store,
        link_secret=LINK_SECRET,
        link_days=90,
        notify=lambda: None,
        vault=vault,
        now=clock,
    )
    registry = load_registry()
    await apply_indexes(database, intake_store.INDEXES)
    clock.now = START
    await office_handlers.seed_offices(ctx, registry)
    writer = Writer(writers)
    meetings = county_meetings(mongo, prefix, seed, vault, clock, writer)
    await meetings.prepare()
    office_events = [
        Envelope.from_document(entry["event"])
        async for office_doc in database[intake_store.OFFICES].find()
        for entry in office_doc.get(OUTBOX, [])
    ]
    await meetings.start(registry, office_events)
    for office_doc in await store.offices():  # their office.changed events, published
        await database[intake_store.OFFICES].update_one(
            {"_id": office_doc["_id"]}, {"$set": {OUTBOX: []}, "$unset": {PENDING: ""}}
        )
    advisors = {
        office.id: [f"{office.id}-advisor-{n}" for n in range(2 + len(office.municipalities) // 2)]
        for office in registry
    }
    numbers = sorted(POPULATION)
    county = County(
        ctx=ctx,
        store=store,
        clock=clock,
        rng=rng,
        registry=registry,
        municipalities=numbers,
        weights=[POPULATION[n] for n in numbers],
        advisors=advisors,
    )
    plans = plan_inquiries(rng, round(FULL_CASES * scale), round(FULL_PEOPLE * scale))
    events: Counter[str] = Counter()
    people: dict[int, Person] = {}
    batch: list[Document] = []
    for plan in plans:
        case = await county.inquiry(plan, people)
        await county.work(case)
        done = store.take_case(case["_id"])
        await meetings.intake_case(done.get(OUTBOX, []))  # notifications's, and the meetings
        batch.append(published(done, events))
        if len(batch) >= BATCH:
            await writer.insert(database[intake_store.CASES], batch)
            batch = []
            await asyncio.sleep(0)  # let the writes go out while the next cases are made
    await writer.insert(database[intake_store.CASES], batch)
    started = time.perf_counter()
    await meetings.run()  # five years of meetings, all offices, in time order
    meeting_statuses = await meetings.finish()
    meeting_seconds = time.perf_counter() - started
    people_documents = [published(p, events) for p in store.people.values()]
    await writer.insert(database[intake_store.PEOPLE], people_documents)
    await writer.insert(database[intake_store.CLAIMS], store.claims)
    await writer.insert(vault.keys, vault.documents)
    await writer.drain()
    # every case has its created_month: intake's one-time pass has nothing to do
    await database[intake_store.STORE_STATE].update_one(
        {"_id": "created_month"}, {"$set": {"done": True}}, upsert=True
    )
    for name in intake_store.OUTBOX_COLLECTIONS:  # what a relay notes after its first start
        await database[RELAY_STATE].update_one(
            {"_id": name}, {"$set": {"marked_at": END}}, upsert=True
        )
    await meetings.relay_noted()
    statuses = Counter(c for c in await _statuses(database))
    return {
        "database": database.name,
        "vault": vault_db.name,
        "written": dict(writer.written),
        "events": dict(events),
        "calls": dict(county.calls),
        "statuses": dict(statuses),
        "offices": len(advisors),
        "meeting_statuses": dict(meeting_statuses),
        "meeting_calls": dict(meetings.calls),
        "meeting_events": dict(meetings.events),
        "meeting_seconds": meeting_seconds,
    }


def county_meetings(
    mongo: AsyncMongoClient[Document],
    prefix: str,
    seed: int,
    vault: CollectingVault,
    clock: SeedClock,
    writer: Writer,
) -> CountyMeetings:
    """scheduling's and notifications's part, on a generator of its own (intake's part stays
    what it was), sharing the vault's keys (notifications opens intake's sealed events)."""
    rng = random.Random(seed + 2)  # noqa: S311 (made-up data, the same every run)
    keys = CollectingVault(vault.keys.database, rng, clock)
    keys.made, keys.documents = vault.made, vault.documents
    safe = _database_safe(prefix)

    def set_clock(at: datetime) -> None:
        clock.now = at

    async def write(service: str, collection: str, documents: list[Document]) -> None:
        await writer.insert(mongo[f"{safe}hoppid_{service}"][collection], documents)

    return CountyMeetings(mongo, prefix, keys, clock, set_clock, rng, END, write)


async def _statuses(database: AsyncDatabase[Document]) -> list[str]:
    cursor = database[intake_store.CASES].find({}, {"status": 1, "_id": 0})
    return [c["status"] async for c in cursor]


# --- the command ----------------------------------------------------------------------------------


async def main(args: argparse.Namespace) -> None:
    mongo = make_mongo_client(MONGODB_URL, timeout_seconds=30)  # tz-aware, as the services read
    safe = _database_safe(args.prefix)
    names = [f"{safe}hoppid_{s}" for s in ("intake", "vault", "scheduling", "notifications")]
    try:
        note = await mongo[names[0]][SEEDING].find_one({"_id": "county"})
        whole = bool(note and note.get("finished_at") and note.get("parts") == PARTS)
        if note is not None and whole and args.if_missing and not args.drop:
            print(f"{names[0]} is seeded already (scale {note.get('scale')}): nothing to do.")
            return
        if note is not None and args.if_missing and not whole:  # an older, partial seeding
            print(f"{names[0]} holds a seeding without {', '.join(PARTS[1:])}: seeding again.")
            args.drop = True
        if note is not None and not args.drop:
            state = "finished" if note.get("finished_at") else "started, not finished"
            raise SystemExit(
                f"{names[0]} is seeded already ({state}, scale {note.get('scale')}, seed "
                f"{note.get('seed')}): nothing done. --drop drops {', '.join(names)} first."
            )
        if args.drop:
            for name in names:
                await mongo.drop_database(name)
        started = time.perf_counter()
        await mongo[names[0]][SEEDING].insert_one(
            {
                "_id": "county",
                "scale": args.scale,
                "seed": args.seed,
                "parts": PARTS,
                "started_at": END,
            }
        )
        # the handlers' uuid4 comes from the seeded generator for the run
        ids = SeededUuids(random.Random(args.seed + 1))  # noqa: S311
        setattr(inquiry_handlers, "uuid", ids)  # noqa: B010 - the module's name, for the run
        setattr(case_handlers, "uuid", ids)  # noqa: B010
        # scheduling's booking and advisor ids, and every event's id: from generators of their own
        setattr(booking_handlers, "uuid", SeededUuids(random.Random(args.seed + 3)))  # noqa: B010, S311
        setattr(advisor_handlers, "uuid", SeededUuids(random.Random(args.seed + 4)))  # noqa: B010, S311
        setattr(envelope_module, "uuid", SeededUuids(random.Random(args.seed + 5)))  # noqa: B010, S311
        summary = await seed_county(mongo, args.prefix, args.scale, args.seed, args.writers)
        seconds = time.perf_counter() - started
        await mongo[names[0]][SEEDING].update_one(
            {"_id": "county"},
            {"$set": {"finished_at": END, "seconds": seconds, "written": summary["written"]}},
        )
        print(report(args, summary, seconds))
    finally:
        await mongo.close()


def report(args: argparse.Namespace, summary: dict[str, Any], seconds: float) -> str:
    written = summary["written"]
    kinds = ", ".join(
        f"{'.'.join(t.split('.')[-3:-1])}: {n:,}" for t, n in sorted(summary["events"].items())
    )
    lines = [
        f"Seeded `{summary['database']}` (and `{summary['vault']}`) at scale {args.scale}, "
        f"seed {args.seed}, in {seconds:.1f} s.",
        "",
        "| what | documents |",
        "|---|---:|",
        *(f"| {name} | {count:,} |" for name, count in sorted(written.items())),
        "",
        "| case status | cases |",
        "|---|---:|",
        *(f"| {s} | {n:,} |" for s, n in sorted(summary["statuses"].items())),
        "",
        "| handler | calls |",
        "|---|---:|",
        *(f"| {s} | {n:,} |" for s, n in sorted(summary["calls"].items())),
        "",
        f"Events made by the handlers (counted published): "
        f"{sum(summary['events'].values()):,} ({kinds}).",
        "",
        f"Meetings and deliveries: {summary['meeting_seconds']:.1f} s of the run.",
        "",
        "| booking status | bookings |",
        "|---|---:|",
        *(f"| {s} | {n:,} |" for s, n in sorted(summary["meeting_statuses"].items())),
        "",
        "| scheduling / notifications handler | calls |",
        "|---|---:|",
        *(f"| {s} | {n:,} |" for s, n in sorted(summary["meeting_calls"].items())),
        "",
        "| scheduling / notifications event (counted published) | events |",
        "|---|---:|",
        *(
            f"| {'.'.join(t.split('.')[-3:-1])} | {n:,} |"
            for t, n in sorted(summary["meeting_events"].items())
        ),
    ]
    return "\n".join(lines)


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 50,000 cases")
    parser.add_argument("--prefix", default="county.", help="the instance's topic prefix")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--writers", type=int, default=4, help="bulk inserts in flight")
    parser.add_argument("--drop", action="store_true", help="drop the databases first")
    parser.add_argument(
        "--if-missing", action="store_true", help="a finished seeding there already is success"
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse(sys.argv[1:])))
