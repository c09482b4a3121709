"""The meetings' use cases and consumed-event handlers on the in-memory repository
(meetings.memory): a time booked once and refused the second time (with free times instead), a
moved meeting giving its old time back, a cancelled one that cannot move, be cancelled again or
be held, a case of another office refused, and intake's events (a case opened, an advisor
assigned, an erasure) handled once however often they come. No stack: one office and one
advisor in a stand-in for the service's store, the clock a fixed Monday morning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from hoppid.contracts import intake as intake_events
from hoppid.scheduling.context import Context
from hoppid.scheduling.meetings import booking, changes, handlers, my_meetings, reminders
from hoppid.scheduling.meetings.forms import Booking, Cancel, MyBooking, Reschedule
from hoppid.scheduling.meetings.memory import MemoryMeetings
from hoppid.scheduling.meetings.search import SlotTaken
from hoppid.scheduling.model import RuleViolation
from hoppid.scheduling.ownership import NotOurs
from hoppid.shared.access import Staff
from hoppid.shared.envelope import Envelope
from hoppid.shared.problems import Conflict

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # Monday 08:00 in Oslo
WEDNESDAY_NINE = "2026-03-04T09:00:00+01:00"
STAFF = Staff(key_id="k-advisor", office_id="nordveggen", role="advisor")
OFFICE = {"_id": "nordveggen", "name": "Nordveggen", "municipalities": ["1539"]}
KARI = {
    "_id": "kari",
    "office_id": "nordveggen",
    "name": "Kari Nordmann",
    "email": "kari@nordveggen.example",
    "languages": ["nb", "en"],
    "topics": [],
    "weekly_hours": [
        {"weekday": day, "start": "08:00", "end": "16:00", "place": "office"} for day in range(5)
    ],
    "absences": [],
    "active": True,
}


class Service:
    """What the use cases read of the service's store besides the meetings (its offices,
    advisors and erased people): one office, one advisor."""

    claim_grace = timedelta(seconds=60)

    def __init__(self) -> None:
        self.erased: list[str] = []

    async def office(self, office_id: str) -> dict[str, Any] | None:
        return dict(OFFICE) if office_id == OFFICE["_id"] else None

    async def advisors(self, office_id: str) -> list[dict[str, Any]]:
        return [dict(KARI)] if office_id == OFFICE["_id"] else []

    async def advisor(self, office_id: str, advisor_id: str) -> dict[str, Any] | None:
        return dict(KARI) if (office_id, advisor_id) == (OFFICE["_id"], KARI["_id"]) else None

    async def mark_erased(self, person_id: str, at: datetime) -> None:
        self.erased.append(person_id)


class Clock:
    def __init__(self) -> None:
        self.at = NOW

    def __call__(self) -> datetime:
        return self.at


class UnsealedVault:
    async def seal(self, envelope: Envelope, model: Any, person_id: str) -> Envelope:
        return envelope


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ctx(clock: Clock) -> Context:
    context = Context(
        store=cast(Any, Service()),
        notify=lambda: None,
        public_url="http://scheduling.test",
        offer_count=3,
        offer_days=14,
        vault=cast(Any, UnsealedVault()),
        now=clock,
    )
    context.use_meetings(MemoryMeetings(Service.claim_grace))
    return context


def memory(ctx: Context) -> MemoryMeetings:
    return cast(MemoryMeetings, ctx.meeting_store)


def event_types(ctx: Context) -> list[str]:
    return [".".join(e.type.split(".")[-3:-1]) for e in memory(ctx).events]


def form(start: str = WEDNESDAY_NINE, case_id: str = "c1", **more: Any) -> Booking:
    values = {"case_id": case_id, "person_id": "p1", "start": start, "mode": "in_person"}
    return Booking.model_validate({**values, **more})


async def test_a_time_is_booked_once(ctx: Context) -> None:
    booked = await booking.book(ctx, STAFF, "nordveggen", form(advisor_id="kari"))
    stored = await ctx.meeting_store.booking("nordveggen", booked["_id"])
    assert stored is not None and stored["status"] == "booked" and stored["advisor_id"] == "kari"
    assert event_types(ctx) == ["meeting.booked"]
    (bucket,) = await ctx.meeting_store.busy_documents("nordveggen")  # its entry, no mark left
    assert booked["_id"] in bucket["busy"]

    for start in (WEDNESDAY_NINE, "2026-03-04T09:30:00+01:00", "2026-03-04T08:00:00+01:00"):
        with pytest.raises(SlotTaken) as taken:  # the same time, or one overlapping it
            await booking.book(ctx, STAFF, "nordveggen", form(start, case_id="c2"))
        assert taken.value.slots and all(
            s.start >= booked["end"] + timedelta(minutes=15) or s.end <= booked["start"]
            for s in taken.value.slots
        )
    # 10:30: the first half hour after the meeting and its 15 minutes' buffer
    after = await booking.book(ctx, STAFF, "nordveggen", form("2026-03-04T10:30:00+01:00"))
    assert event_types(ctx) == ["meeting.booked"] * 2
    assert sorted(memory(ctx).bookings) == sorted([booked["_id"], after["_id"]])


async def test_a_moved_meeting_gives_its_time_back_and_a_cancelled_one_stays_cancelled(
    ctx: Context, clock: Clock
) -> None:
    booked = await booking.book(ctx, STAFF, "nordveggen", form())
    moved = await changes.reschedule(
        ctx, STAFF, "nordveggen", booked["_id"], Reschedule(start="2026-03-04T13:00:00+01:00")
    )
    assert (moved["sequence"], moved["history"][-1]["status"]) == (1, "rescheduled")
    # nine o'clock is free again, one o'clock is not
    await booking.book(ctx, STAFF, "nordveggen", form(case_id="c2"))
    with pytest.raises(SlotTaken):
        await booking.book(ctx, STAFF, "nordveggen", form("2026-03-04T13:00:00+01:00", "c3"))

    cancelled = await changes.cancel(ctx, STAFF, "nordveggen", booked["_id"], Cancel())
    assert cancelled["status"] == "cancelled" and cancelled["claim_ids"] == []
    with pytest.raises(Conflict):
        await changes.reschedule(
            ctx, STAFF, "nordveggen", booked["_id"], Reschedule(start=WEDNESDAY_NINE)
        )
    with pytest.raises(Conflict):
        await changes.cancel(ctx, STAFF, "nordveggen", booked["_id"], Cancel())
    clock.at = datetime(2026, 3, 4, 13, 0, tzinfo=UTC)
    with pytest.raises(Conflict):
        await changes.mark(ctx, STAFF, "nordveggen", booked["_id"], "held")
    clock.at = NOW
    # its time is free once more
    await booking.book(ctx, STAFF, "nordveggen", form("2026-03-04T13:00:00+01:00", "c3"))
    assert event_types(ctx) == [
        "meeting.booked",
        "meeting.rescheduled",
        "meeting.booked",
        "meeting.cancelled",
        "meeting.booked",
    ]


async def test_a_meeting_is_held_once_it_has_started_and_only_once(
    ctx: Context, clock: Clock
) -> None:
    booked = await booking.book(ctx, STAFF, "nordveggen", form())
    with pytest.raises(RuleViolation) as early:
        await changes.mark(ctx, STAFF, "nordveggen", booked["_id"], "held")
    assert early.value.field == "status"
    clock.at = booked["start"] + timedelta(minutes=5)
    held = await changes.mark(ctx, STAFF, "nordveggen", booked["_id"], "held")
    assert held["status"] == "held"
    with pytest.raises(Conflict):
        await changes.mark(ctx, STAFF, "nordveggen", booked["_id"], "missed")
    assert event_types(ctx) == ["meeting.booked", "meeting.held"]


async def test_reminders_go_out_once_each(ctx: Context, clock: Clock) -> None:
    booked = await booking.book(ctx, STAFF, "nordveggen", form())
    clock.at = booked["start"] - timedelta(hours=23)
    await reminders.send_all_due(ctx)
    await reminders.send_all_due(ctx)  # a second pass, or a second instance: nothing left
    clock.at = booked["start"] - timedelta(hours=1)
    await reminders.send_all_due(ctx)
    await reminders.send_all_due(ctx)
    assert event_types(ctx) == ["meeting.booked", "reminder.due", "reminder.due"]
    assert await ctx.meeting_store.reminders_due(booked["start"]) == []


def case_opened(case_id: str = "c1", office_id: str = "nordveggen") -> intake_events.CaseOpened:
    return intake_events.CaseOpened(
        case_id=case_id,
        office_id=office_id,
        person_id="p1",
        reference="NV-1",
        municipality="1539",
        needs=["guidance"],
        stage="idea",
        language="nb",
        meeting_mode="in_person",
        opened_at=NOW,
        first_case_of_person=True,
    )


async def test_a_redelivered_case_opened_offers_times_once(ctx: Context) -> None:
    event = case_opened()
    envelope = event.to_envelope(source="test", subject="c1", office="nordveggen")
    for _ in range(2):  # Kafka may deliver it again
        await handlers.offer_slots(ctx, event, envelope)
    (offer,) = await ctx.meeting_store.offers_of_person("p1")
    assert len(offer["slots"]) == 3 and offer["municipality"] == "1539"
    assert event_types(ctx) == ["slots.offered"]

    assigned = intake_events.AdvisorAssigned(
        case_id="c1", office_id="nordveggen", advisor_id="kari", assigned_at=NOW
    )
    for _ in range(2):
        await handlers.follow_advisor(ctx, assigned, assigned.to_envelope(source="t", subject="c1"))
    assert (await ctx.meeting_store.case_offer("c1") or {})["case_advisor_id"] == "kari"

    # the person books one of the times offered, through their link
    first = offer["slots"][0]
    mine = await my_meetings.book(
        ctx, "p1", MyBooking(case_id="c1", start=first["start"].isoformat())
    )
    assert (mine["start"], mine["booked_by"]) == (first["start"], "entrepreneur")


async def test_a_case_of_another_office_is_refused_naming_the_field(ctx: Context) -> None:
    event = case_opened("c9", office_id="molde")
    await handlers.offer_slots(ctx, event, event.to_envelope(source="t", subject="c9"))
    with pytest.raises(NotOurs) as refused:
        await booking.book(ctx, STAFF, "nordveggen", form(case_id="c9"))
    assert refused.value.field == "case_id"
    assert memory(ctx).bookings == {}


async def test_a_redelivered_erasure_cancels_once(ctx: Context) -> None:
    first = await booking.book(ctx, STAFF, "nordveggen", form())
    other = await booking.book(ctx, STAFF, "nordveggen", form("2026-03-05T09:00:00+01:00", "c2"))
    erasure = intake_events.ErasureRequested(
        person_id="p1", case_ids=["c1", "c2"], requested_at=NOW
    )
    envelope = erasure.to_envelope(source="t", subject="p1")
    for _ in range(2):
        await handlers.erase_person(ctx, erasure, envelope)
    for one in (first, other):
        stored = await ctx.meeting_store.booking("nordveggen", one["_id"])
        assert stored is not None and stored["status"] == "cancelled"
        assert stored["history"][-1]["reason"] == "erasure"
    assert event_types(ctx) == ["meeting.booked"] * 2 + ["meeting.cancelled"] * 2
    assert cast(Service, ctx.store).erased == ["p1", "p1"]
