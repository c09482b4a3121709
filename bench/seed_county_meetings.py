"""The county's meetings and deliveries: scheduling's and notifications's part of seed_county.py.

What five years of the seeded cases leave in scheduling's database (``<prefix>hoppid_scheduling``)
and notifications's (``<prefix>hoppid_notifications``), made by the services' own code:

- scheduling: the packaged offices (``seed_offices``) and each office's advisors
  (``add_advisor``: weekly hours, a digital day, summer and Christmas absences); an offer of free
  times for every opened case (``offer_slots``, the handler of ``case.opened``); the first
  guidance meeting booked by the person from the offer or by staff when they make contact, and
  follow-ups while the case is in guidance (``book``: the slot search, the claims of every
  15-minute cell, the pending mark, the busy times); the reminders (``reminders.send_due`` 24 h
  and 2 h before); meetings cancelled (``cancel``), held or missed (``mark``). The meetings from
  2026-12-01 on are still booked, with their busy times and reminders to come.
- notifications: every event of intake's and scheduling's it consumes, handed to its own
  handlers in time order (``inquiry_received``, ``case_opened``, ``case_status_changed``,
  ``office_changed``, ``advisor_changed``, ``slots_offered``, ``meeting_booked``,
  ``reminder_due``, ``meeting_cancelled``), so each message is claimed, composed from the
  templates and recorded sent (the mail server is left out: the seeding sends nothing), with
  the person, advisor, office, case and booking copies notifications keeps.

The handlers run on stores that keep the documents in memory and apply each update as the
store would (``CollectingSchedulingStore``, ``CollectingBusyTimes``,
``CollectingNotificationsStore``), in the order of the seeding's clock across all cases, since
bookings of one office compete for its advisors' time. Finished deliveries go out in
``insert_many`` batches while the timeline runs; the rest when it ends. Every event lies before
2026-12-01 and is counted as published: outboxes are left empty, as the relay leaves them.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import random
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from prometheus_client import CollectorRegistry
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from hoppid.contracts import intake as intake_events
from hoppid.contracts import scheduling as sched
from hoppid.notifications import store as notifications_store
from hoppid.notifications.composition import templates as templates_module
from hoppid.notifications.composition.templates import Templates
from hoppid.notifications.context import Context as NotificationsContext
from hoppid.notifications.copies import store as notification_copies
from hoppid.notifications.delivery.store import DELIVERIES
from hoppid.notifications.metrics import NotificationMetrics
from hoppid.notifications.reactions import directory as notification_directory
from hoppid.notifications.reactions import inquiries as notification_inquiries
from hoppid.notifications.reactions import meetings as notification_meetings
from hoppid.notifications.settings import NotificationsSettings
from hoppid.scheduling import context as scheduling_context
from hoppid.scheduling import model
from hoppid.scheduling import store as scheduling_store
from hoppid.scheduling.advisors import forms as advisor_forms
from hoppid.scheduling.advisors import store as advisor_store
from hoppid.scheduling.advisors.use_cases import add_advisor
from hoppid.scheduling.desks import store as desk_store
from hoppid.scheduling.meetings import booking as meeting_booking
from hoppid.scheduling.meetings import busy_times, changes, reminders
from hoppid.scheduling.meetings import forms as meeting_forms
from hoppid.scheduling.meetings import model as meeting_model
from hoppid.scheduling.meetings import store as meeting_store
from hoppid.scheduling.meetings.handlers import offer_slots
from hoppid.scheduling.meetings.search import SlotTaken, search_slots
from hoppid.scheduling.offices import store as office_store
from hoppid.scheduling.offices.use_cases import seed_offices
from hoppid.scheduling.programmes import store as programme_store
from hoppid.shared.access import Staff
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.events.catalogue import catalogue
from hoppid.shared.mongo import apply_indexes
from hoppid.shared.outbox import HIDE_OUTBOX, OUTBOX, PENDING, RELAY_STATE, outbox_fields
from hoppid.shared.pii import PersonalDataVault
from hoppid.shared.settings import _database_safe
from hoppid.shared.tenancy import OfficeRegistry

Document = dict[str, Any]
Clock = Callable[[], datetime]

FINAL = frozenset({"sent", "suppressed", "failed"})  # a delivery no poller takes again


def apply_update(document: Document, update: Mapping[str, Any]) -> None:
    """An update document applied in memory, as the store applies it (the operators intake's
    handlers use: ``$set``, ``$unset``, ``$push`` with or without ``$each``, ``$inc``)."""
    for operator, fields in update.items():
        for path, value in fields.items():
            *parents, name = path.split(".")
            target = document
            for part in parents:
                target = target.setdefault(part, {})
            if operator == "$set":
                target[name] = value
            elif operator == "$unset":
                target.pop(name, None)
            elif operator == "$inc":
                target[name] = target.get(name, 0) + value
            elif operator == "$push":
                each = (
                    value["$each"] if isinstance(value, Mapping) and "$each" in value else [value]
                )
                target.setdefault(name, []).extend(each)
            else:
                raise ValueError(f"seeding does not apply {operator}")


def copy(document: Document | None, hide: Iterable[str] = HIDE_OUTBOX) -> Document | None:
    if document is None:
        return None
    hidden = set(hide)
    return {k: v for k, v in document.items() if k not in hidden}


def matches(document: Document, selector: Mapping[str, Any]) -> bool:
    """The equality selectors notifications's read models are read with here."""
    return all(document.get(k) == v for k, v in selector.items())


# --- scheduling: its store and busy times, kept in memory ----------------------------------------


class CollectingSchedulingStore(scheduling_store.SchedulingStore):
    """scheduling's store whose offices, advisors, bookings, claims, pending marks and offers
    live in memory; every write's events are also handed on (``emitted``) to notifications."""

    def __init__(self, database: AsyncDatabase[Document], topic: str) -> None:
        super().__init__(database, topic)
        self.offices_: dict[str, Document] = {}
        self.advisors_: dict[str, Document] = {}
        self.bookings: dict[str, Document] = {}
        self.claims: dict[str, Document] = {}
        self.pending: dict[str, Document] = {}
        self.offers: list[Document] = []
        self.offers_of_case: dict[str, list[Document]] = defaultdict(list)
        self.emitted: list[Envelope] = []

    async def seed_office(self, office: Document) -> None:
        self.offices_.setdefault(office["_id"], dict(office))

    async def office(self, office_id: str) -> Document | None:
        return copy(self.offices_.get(office_id), ("applied_events",))

    async def offices(self) -> list[Document]:
        return [o for k in sorted(self.offices_) if (o := await self.office(k))]

    async def insert_advisor(self, advisor: Document, events: Iterable[Envelope] = ()) -> None:
        events = list(events)
        self.advisors_[advisor["_id"]] = {**advisor, **outbox_fields(self.topic, events)}
        self.emitted += events

    async def advisor(self, office_id: str, advisor_id: str) -> Document | None:
        found = self.advisors_.get(advisor_id)
        return copy(found) if found and found["office_id"] == office_id else None

    async def advisors(self, office_id: str) -> list[Document]:
        return [
            copy(a) or {} for _, a in sorted(self.advisors_.items()) if a["office_id"] == office_id
        ]

    async def claim(
        self,
        office_id: str,
        advisor_id: str,
        cells: Sequence[datetime],
        booking_id: str,
        now: datetime,
    ) -> bool:
        """As the store's: the pending mark first, then every cell in time order, all or none."""
        mark = meeting_store.pending_mark(office_id, advisor_id, cells, booking_id, now)
        mark_id = mark["_id"]
        self.pending[mark_id] = mark
        inserted: list[str] = []
        for cell in sorted(cells):
            key = meeting_store.claim_id(advisor_id, cell)
            holder = self.claims.get(key)
            if holder is not None and holder["booking_id"] == booking_id:
                continue
            if holder is not None:  # another booking's (the seeding never leaves stale ones)
                for done in inserted:
                    del self.claims[done]
                del self.pending[mark_id]
                return False
            self.claims[key] = meeting_store._claim_document(advisor_id, cell, booking_id, now)
            inserted.append(key)
        return True

    async def written(self, booking_id: str) -> None:
        for key in [k for k, m in self.pending.items() if m["booking_id"] == booking_id]:
            del self.pending[key]

    async def release_claims(self, booking_id: str, keep: Iterable[str] = ()) -> None:
        kept = set(keep)
        booking = self.bookings.get(booking_id) or {}
        for key in booking.get("all_claims", ()):
            claim = self.claims.get(key)
            if claim and claim["booking_id"] == booking_id and key not in kept:
                del self.claims[key]

    async def insert_booking(self, booking: Document, events: Iterable[Envelope]) -> None:
        events = list(events)
        self.bookings[booking["_id"]] = {**booking, **outbox_fields(self.topic, events)}
        self.emitted += events

    async def booking(self, office_id: str, booking_id: str) -> Document | None:
        found = self.bookings.get(booking_id)
        return copy(found) if found and found["office_id"] == office_id else None

    async def update_booking(
        self,
        booking_id: str,
        expect: Mapping[str, Any],
        update: Mapping[str, Any],
        events: Iterable[Envelope],
    ) -> Document | None:
        from hoppid.shared.outbox import with_outbox

        booking = self.bookings.get(booking_id)
        if booking is None or any(booking.get(k) != v for k, v in expect.items()):
            return None
        events = list(events)
        apply_update(booking, with_outbox(update, self.topic, events))
        self.emitted += events
        return copy(booking)

    async def insert_offer(self, offer: Document, events: Iterable[Envelope]) -> bool:
        events = list(events)
        self.offers.append({**offer, **outbox_fields(self.topic, events)})
        self.offers_of_case[offer["case_id"]].append(self.offers[-1])
        self.emitted += events
        return True


class CollectingBusyTimes(busy_times.BusyTimes):
    """The busy-time buckets in memory; the same entries, the same pruning of past ones."""

    def __init__(self, store: CollectingSchedulingStore) -> None:
        super().__init__(store, store.claim_grace)
        self.store: CollectingSchedulingStore = store  # its in-memory bookings and marks
        self.buckets: dict[str, Document] = {}

    async def record(self, booking: Document, changed: bool = True) -> None:
        wanted = busy_times.entry(self.store.bookings.get(booking["_id"]) if changed else booking)
        await self._write(booking["office_id"], booking["_id"], wanted)

    async def meetings(
        self, office_id: str, now: datetime
    ) -> tuple[list[busy_times.Meeting], list[busy_times.Meeting]]:
        marks = [m for m in self.store.pending.values() if m["office_id"] == office_id]
        writing = [
            busy_times.meeting(m["booking_id"], " ".join([m["advisor_id"], *_epochs(m["cells"])]))
            for m in marks
            if now - m["at"] <= self.claim_grace and m["cells"]
        ]
        return await self._booked(office_id, now), writing

    async def reconcile(self, office_id: str, now: datetime) -> None:
        return None  # nothing to repair: the seeding starts empty and never crashes

    async def _entries(self, office_id: str) -> dict[str, str]:
        entries: dict[str, str] = {}
        for bucket in self.buckets.values():
            if bucket["office_id"] == office_id:
                entries.update(bucket["busy"])
        return entries

    async def _write(
        self, office_id: str, booking_id: str, wanted: str | None, seen: str | None = ""
    ) -> None:
        if seen == wanted:
            return
        bucket_id = busy_times.bucket_id(office_id, booking_id)
        bucket = self.buckets.get(bucket_id)
        if seen != "" and (bucket or {}).get("busy", {}).get(booking_id) != seen:
            return
        if wanted is None:
            if bucket is not None:
                bucket["busy"].pop(booking_id, None)
            return
        if bucket is None:
            bucket = self.buckets[bucket_id] = {
                "_id": bucket_id,
                "office_id": office_id,
                "busy": {},
            }
        bucket["busy"][booking_id] = wanted


def _epochs(times: Iterable[datetime]) -> list[str]:
    return [str(int(t.timestamp())) for t in times]


# --- notifications: its store in memory ----------------------------------------------------------


class CollectingNotificationsStore(notifications_store.NotificationsStore):
    """notifications's store in memory: its copies (offices, people, advisors, cases, bookings)
    and its deliveries, each update applied as the store would."""

    def __init__(self, database: AsyncDatabase[Document], topic: str) -> None:
        super().__init__(database, topic)
        self.copies: dict[str, dict[str, Document]] = defaultdict(dict)
        self.deliveries: dict[str, Document] = {}
        self.claimed: set[str] = set()

    async def office(self, office_id: str) -> Document | None:
        return copy(self.copies[notification_copies.OFFICES].get(office_id), ())

    async def person(self, person_id: str) -> Document | None:
        return copy(self.copies[notification_copies.PEOPLE].get(person_id), ())

    async def save_if_newer(self, collection: str, document: Document, at: datetime) -> bool:
        kept = self.copies[collection].get(document["_id"])
        if kept is not None and kept["as_of"] > at:
            return False
        fields = {k: v for k, v in document.items() if k != "_id"}
        if kept is None:
            kept = self.copies[collection][document["_id"]] = {"_id": document["_id"]}
        kept.update(fields, as_of=at)
        if collection == notification_copies.OFFICES:
            self._recent_offices.forget()
        return True

    async def person_erased(self, person_id: str | None) -> bool:
        person = self.copies[notification_copies.PEOPLE].get(person_id or "")
        return bool(person and person.get("erased_at"))

    async def find_all(
        self, collection: str, selector: Mapping[str, Any], sort: str = "_id", limit: int = 0
    ) -> list[Document]:
        found = [dict(d) for d in self.copies[collection].values() if matches(d, selector)]
        found.sort(key=lambda d: d[sort])
        return found[:limit] if limit else found

    async def preferences(self, person_id: str) -> Document | None:
        return None  # nobody in the seeded county turned messages off

    async def booking(self, booking_id: str) -> Document | None:
        return copy(self.copies[notification_copies.BOOKINGS].get(booking_id), ())

    async def booking_version(
        self,
        booking_id: str,
        event_id: str,
        changes: Mapping[str, Any],
        sequence: int | None = None,  # scheduling's, where its events carry it
    ) -> Document:
        bookings = self.copies[notification_copies.BOOKINGS]
        document, new = notification_copies.next_version(
            bookings.get(booking_id), booking_id, event_id, changes, sequence
        )
        if new:
            bookings[booking_id] = document
        return dict(document)

    async def claim(self, delivery: Document, events: Iterable[Envelope] = ()) -> bool:
        if delivery["_id"] in self.claimed:
            return False
        self.claimed.add(delivery["_id"])
        self.deliveries[delivery["_id"]] = {**delivery, **outbox_fields(self.topic, events)}
        return True

    async def delivery(self, delivery_id: str) -> Document | None:
        return copy(self.deliveries.get(delivery_id))

    async def record(
        self,
        delivery_id: str,
        expect_status: str | None,
        update: Mapping[str, Any],
        events: Iterable[Envelope] = (),
    ) -> bool:
        from hoppid.shared.outbox import with_outbox

        delivery = self.deliveries.get(delivery_id)
        if delivery is None or (expect_status is not None and delivery["status"] != expect_status):
            return False
        events = list(events)
        apply_update(delivery, with_outbox(update, self.topic, events) if events else update)
        return True

    def take_finished(self) -> list[Document]:
        done = [d for d in self.deliveries.values() if d["status"] in FINAL]
        for delivery in done:
            del self.deliveries[delivery["_id"]]
        return done


async def _no_mail(*_: Any) -> None:
    """The seeding sends nothing: every message counts as accepted by the mail server."""


class _NoSms:
    async def send(self, sms: Any) -> None:
        return None


# --- the meetings of the county's cases ---------------------------------------------------------


@dataclass
class CasePlan:
    """What scheduling needs of one seeded case: its opening and how its status went."""

    opened: Event
    opened_envelope: Envelope
    statuses: list[tuple[str, datetime]]


@dataclass(order=True)
class Step:
    at: datetime
    order: int
    action: Callable[[], Awaitable[None]] = field(compare=False)


@dataclass
class CountyMeetings:
    """Both services' collecting stores and contexts; fed intake's events case by case, then
    run through the timeline of meetings in time order."""

    mongo: AsyncMongoClient[Document]
    prefix: str
    vault: PersonalDataVault
    clock: Clock
    set_clock: Callable[[datetime], None]
    rng: random.Random
    end: datetime
    write: Callable[[str, str, list[Document]], Awaitable[None]]
    plans: list[CasePlan] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)
    steps: list[Step] = field(default_factory=list)
    order: Iterable[int] = field(default_factory=itertools.count)

    def __post_init__(self) -> None:
        # the packaged texts, read once for the run (the service reads them for every message,
        # so an office's edited text shows at once; the seeding's texts do not change)
        setattr(templates_module, "_read", functools.cache(templates_module._read))  # noqa: B010
        safe = _database_safe(self.prefix)
        self.scheduling_db = self.mongo[f"{safe}hoppid_scheduling"]
        self.notifications_db = self.mongo[f"{safe}hoppid_notifications"]
        self.scheduling = CollectingSchedulingStore(
            self.scheduling_db, f"{self.prefix}hoppid.scheduling"
        )
        self.sched = scheduling_context.Context(
            store=self.scheduling,
            notify=lambda: None,
            public_url="https://booking.example.no",
            offer_count=3,  # scheduling's defaults (HOPPID_SCHEDULING_OFFER_*)
            offer_days=21,
            vault=self.vault,
            now=self.clock,
        )
        self.busy = CollectingBusyTimes(self.scheduling)
        self.sched.busy = self.busy
        self.notifications = CollectingNotificationsStore(
            self.notifications_db, f"{self.prefix}hoppid.notifications"
        )
        settings = NotificationsSettings(topic_prefix=self.prefix)
        self.notes = NotificationsContext(
            store=self.notifications,
            templates=Templates(office_dir=None),
            settings=settings,
            sms=_NoSms(),
            metrics=NotificationMetrics(CollectorRegistry()),
            notify=lambda: None,
            vault=self.vault,
            send_mail=_no_mail,
            now=self.clock,
        )
        self.advisor_ids: dict[str, list[str]] = {}

    # --- set-up: offices and advisors -------------------------------------------------------
    async def start(self, registry: OfficeRegistry, office_events: Iterable[Envelope]) -> None:
        for envelope in office_events:  # intake's office.changed: notifications's office copies
            await self.notify(envelope)
        await seed_offices(self.sched, registry)
        for office in registry:
            admin = Staff(
                key_id=f"seed-admin-{office.id}", office_id=office.id, role="office_admin"
            )
            count = 2 + len(office.municipalities) // 2  # as many as intake's seeding assigns
            for n in range(count):
                form = self.advisor_form(office.id, n)
                added = await add_advisor(self.sched, admin, office.id, form)
                self.advisor_ids.setdefault(office.id, []).append(added["_id"])
                self.calls["add_advisor"] += 1
        await self.hand_on()

    def advisor_form(self, office_id: str, n: int) -> advisor_forms.AdvisorForm:
        rng = self.rng
        digital_day = rng.randrange(5)
        hours = [
            advisor_forms.WorkingHours(
                weekday=day,
                start=time(8, 30) if day != digital_day else time(9),
                end=time(15, 30) if day != 4 else time(14),
                place="digital" if day == digital_day else "office",
            )
            for day in range(5)
        ]
        absences = []
        for year in range(self.end.year - 5, self.end.year + 1):
            summer = date(year, 7, 1) + timedelta(days=rng.randrange(21))
            absences.append(
                advisor_forms.Absence(first_day=summer, last_day=summer + timedelta(days=20))
            )
            absences.append(
                advisor_forms.Absence(first_day=date(year, 12, 23), last_day=date(year + 1, 1, 1))
            )
        return advisor_forms.AdvisorForm(
            name=f"Rådgiver {n + 1} ({office_id})",
            email=f"advisor{n + 1}.{office_id}@example.no",
            languages=["nb", "nn", "en"] if rng.random() < 0.6 else ["nb", "nn"],
            topics=rng.sample(["grants", "marketing", "export", "tourism", "food", "tech"], 3),
            weekly_hours=hours,
            absences=absences,
        )

    # --- events to notifications --------------------------------------------------------------
    async def notify(self, envelope: Envelope) -> None:
        """One event through notifications's handler of it (as its consumers hand it over)."""
        opened = await self.vault.unseal(envelope)
        event = catalogue.parse(opened)
        handle = HANDLERS.get(type(event))
        if handle is None:
            return
        await handle(self.notes, event, opened)
        self.calls[f"notifications: {type(event).__name__}"] += 1
        finished = self.notifications.take_finished()
        if len(self.finished) + len(finished) >= 1000:
            batch, self.finished = self.published(self.finished + finished), []
            await self.write("notifications", DELIVERIES, batch)
        else:
            self.finished += finished

    finished: list[Document] = field(default_factory=list)

    async def hand_on(self) -> None:
        """scheduling's new events, to notifications, at the moment they were made."""
        while self.scheduling.emitted:
            envelope = self.scheduling.emitted.pop(0)
            await self.notify(envelope)

    async def intake_case(self, entries: Iterable[Document]) -> None:
        """One seeded case's events (its outbox entries before they are counted published):
        notifications's handlers for each, and the case's plan for the meetings."""
        opened: tuple[Event, Envelope] | None = None
        statuses: list[tuple[str, datetime]] = []
        for entry in entries:
            envelope = Envelope.from_document(entry["event"])
            event = catalogue.model_for(envelope.type)
            if event in HANDLERS:
                self.set_clock(_moment(envelope, self.clock()))
                await self.notify(envelope)
            if event is intake_events.CaseOpened:
                opened = (catalogue.parse(envelope), envelope)
            elif event is intake_events.CaseStatusChanged:
                changed = catalogue.parse(envelope)
                assert isinstance(changed, intake_events.CaseStatusChanged)
                statuses.append((changed.to_status, changed.changed_at))
        if opened is not None:
            self.plans.append(CasePlan(opened[0], opened[1], statuses))

    # --- the timeline ------------------------------------------------------------------------
    def at(self, moment: datetime, action: Callable[[], Awaitable[None]]) -> None:
        if moment < self.end:
            heapq.heappush(self.steps, Step(moment, next(iter(self.order)), action))

    async def run(self) -> None:
        for plan in self.plans:
            self.plan_case(plan)
        self.plans = []
        while self.steps:
            step = heapq.heappop(self.steps)
            self.set_clock(step.at)
            await step.action()
            await self.hand_on()

    def plan_case(self, plan: CasePlan) -> None:
        event = plan.opened
        assert isinstance(event, intake_events.CaseOpened)
        opened_at = event.opened_at

        async def offer() -> None:
            await offer_slots(self.sched, event, plan.opened_envelope)
            self.calls["offer_slots"] += 1

        self.at(opened_at + timedelta(minutes=2), offer)
        contacted = next((at for s, at in plan.statuses if s != "new"), None)
        if contacted is None or self.rng.random() < 0.12:
            return  # never reached, or no meeting wanted
        ended = next(
            (at for s, at in plan.statuses if s in ("closed", "paused", "company_registered")),
            self.end,
        )
        guidance = any(s == "in_guidance" for s, _ in plan.statuses)
        follow_ups = self.rng.choice((0, 1, 1, 2, 3)) if guidance else 0
        by_person = self.rng.random() < 0.5
        booked_at = opened_at + timedelta(hours=self.rng.uniform(2, 48)) if by_person else contacted
        state = MeetingPlan(plan, "first_guidance", follow_ups, ended, by_person)
        self.at(booked_at, lambda: self.book(state))

    async def book(self, plan: MeetingPlan) -> None:
        event = plan.case.opened
        assert isinstance(event, intake_events.CaseOpened)
        office_id, now = event.office_id, self.clock()
        office = await self.scheduling.office(office_id)
        assert office is not None
        first_offer = plan.by_person and plan.meeting_type == "first_guidance"
        offered = self.scheduling.offers_of_case[event.case_id] if first_offer else []
        starts = [s["start"] for o in offered for s in o["slots"]]
        starts = [s for s in starts if s - now > timedelta(hours=24)]
        if not starts:
            first = model.oslo_day(now) + timedelta(days=self.rng.randrange(1, 10))
            search = meeting_model.Search(
                first=first,
                last=first + timedelta(days=21),
                meeting_type=plan.meeting_type,
                now=now,
                mode=event.meeting_mode,
                limit=3,
            )
            starts = [s.start for s in await search_slots(self.sched, office, search)]
        if not starts:
            return
        staff = Staff(key_id=f"seed-{office_id}", office_id=office_id, role="advisor")
        form = meeting_forms.Booking(
            case_id=event.case_id,
            person_id=event.person_id,
            meeting_type=plan.meeting_type,
            start=self.rng.choice(starts),
            mode=event.meeting_mode,
        )
        by: sched.Actor = "entrepreneur" if plan.by_person else "staff"
        try:
            booking = await meeting_booking.book(self.sched, staff, office_id, form, by)
        except SlotTaken as taken:
            if not taken.slots:
                return
            form = form.model_copy(update={"start": taken.slots[0].start})
            booking = await meeting_booking.book(self.sched, staff, office_id, form, by)
        self.calls["book"] += 1
        self.scheduling.bookings[booking["_id"]]["all_claims"] = list(booking["claim_ids"])
        self.after_booking(plan, booking, staff)

    def after_booking(self, plan: MeetingPlan, booking: Document, staff: Staff) -> None:
        rng, start, booking_id = self.rng, booking["start"], booking["_id"]
        office_id = booking["office_id"]
        for kind in booking["reminders"]:

            async def remind() -> None:
                current = self.scheduling.bookings[booking_id]
                self.calls["send_due"] += await reminders.send_due(
                    self.sched, copy(current) or {}, self.clock()
                )

            self.at(start - model.REMINDERS[kind], remind)
        if rng.random() < 0.08:  # cancelled before it came

            async def cancel() -> None:
                reason = rng.choice(("entrepreneur", "entrepreneur", "advisor", "office"))
                await changes.cancel(
                    self.sched, staff, office_id, booking_id, meeting_forms.Cancel(reason=reason)
                )
                self.calls["cancel"] += 1

            lead = (start - self.clock()).total_seconds()
            self.at(self.clock() + timedelta(seconds=lead * rng.uniform(0.1, 0.9)), cancel)
            return
        outcome = "held" if rng.random() < 0.9 else "missed"

        async def mark() -> None:
            await changes.mark(self.sched, staff, office_id, booking_id, outcome)
            self.calls[f"mark {outcome}"] += 1

        marked = booking["end"] + timedelta(minutes=rng.randrange(5, 240))
        self.at(marked, mark)
        if plan.follow_ups > 0 and outcome == "held":
            later = MeetingPlan(plan.case, "follow_up", plan.follow_ups - 1, plan.ended, False)
            booked = marked + timedelta(days=rng.uniform(0.1, 3))
            if booked < plan.ended:
                self.at(booked, lambda: self.book(later))

    # --- the end: what is left in memory, written -------------------------------------------
    async def finish(self) -> Counter[str]:
        for office_id in self.scheduling.offices_:  # what a search at the end leaves
            await self.busy.meetings(office_id, self.end)
        kept = Counter(
            (b["status"], b["start"] >= self.end) for b in self.scheduling.bookings.values()
        )
        s = self.scheduling
        for booking in s.bookings.values():
            booking.pop("all_claims", None)
        await self.write("scheduling", office_store.OFFICES, list(s.offices_.values()))
        await self.write("scheduling", advisor_store.ADVISORS, self.published(s.advisors_))
        await self.write("scheduling", meeting_store.BOOKINGS, self.published(s.bookings))
        await self.write("scheduling", meeting_store.OFFERS, self.published(s.offers))
        await self.write("scheduling", meeting_store.CLAIMS, list(s.claims.values()))
        await self.write("scheduling", meeting_store.BUSY, list(self.busy.buckets.values()))
        assert not s.pending, "every booking was written: no pending marks"
        n = self.notifications
        left = n.take_finished()
        assert not n.deliveries, "every delivery was sent"
        batch, self.finished = self.published(self.finished + left), []
        await self.write("notifications", DELIVERIES, batch)
        for name, documents in n.copies.items():
            await self.write("notifications", name, list(documents.values()))
        return Counter(
            {
                f"{status}{' (upcoming)' if upcoming else ''}": c
                for (status, upcoming), c in kept.items()
            }
        )

    def published(self, documents: Mapping[str, Document] | list[Document]) -> list[Document]:
        values = list(documents.values()) if isinstance(documents, Mapping) else documents
        for document in values:
            for entry in document.get(OUTBOX, []):
                self.events[entry["event"]["type"]] += 1
            document[OUTBOX] = []
            document.pop(PENDING, None)
        return values

    async def prepare(self) -> None:
        """The services' declared indexes (the local store makes its GIN indexes from them)."""
        await apply_indexes(
            self.scheduling_db,
            [*scheduling_store.INDEXES, *programme_store.INDEXES, *desk_store.INDEXES],
        )
        await apply_indexes(self.notifications_db, notifications_store.INDEXES)

    async def relay_noted(self) -> None:
        """What each service's relay notes after its first start (its backfill is done)."""
        outboxes = {
            self.scheduling_db: (
                *scheduling_store.OUTBOX_COLLECTIONS,
                programme_store.PROGRAMMES,
                desk_store.SEAT_BOOKINGS,
            ),
            self.notifications_db: notifications_store.OUTBOX_COLLECTIONS,
        }
        for database, names in outboxes.items():
            for name in names:
                await database[RELAY_STATE].update_one(
                    {"_id": name}, {"$set": {"marked_at": self.end}}, upsert=True
                )


@dataclass
class MeetingPlan:
    case: CasePlan
    meeting_type: meeting_forms.MeetingType
    follow_ups: int
    ended: datetime
    by_person: bool


def _moment(envelope: Envelope, fallback: datetime) -> datetime:
    """When an intake event happened: its own time field (the envelope's is the wall clock)."""
    for name in ("received_at", "opened_at", "changed_at"):
        value = envelope.data.get(name)
        if isinstance(value, str):
            return datetime.fromisoformat(value).astimezone(UTC)
    return fallback


Handler = Callable[[NotificationsContext, Any, Envelope], Awaitable[None]]
HANDLERS: dict[type[Event], Handler] = {
    intake_events.OfficeChanged: lambda c, e, _: notification_directory.office_changed(c, e),
    intake_events.InquiryReceived: notification_inquiries.inquiry_received,
    intake_events.CaseOpened: notification_inquiries.case_opened,
    intake_events.CaseStatusChanged: lambda c, e, _: notification_inquiries.case_status_changed(
        c, e
    ),
    sched.AdvisorChanged: lambda c, e, _: notification_directory.advisor_changed(c, e),
    sched.SlotsOffered: notification_meetings.slots_offered,
    sched.MeetingBooked: notification_meetings.meeting_booked,
    sched.MeetingRescheduled: notification_meetings.meeting_rescheduled,
    sched.ReminderDue: notification_meetings.reminder_due,
    sched.MeetingCancelled: notification_meetings.meeting_cancelled,
}
