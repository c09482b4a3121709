"""The reactions on the in-memory repositories (hoppid.notifications.memory): a meeting booked
for a person whose copy is kept reaches them and their advisor once, whatever their preferences
for non-essential messages; a redelivered event sends nothing twice; an erased person gets
nothing. No store, broker or SMTP server: the mail is kept in a list (conftest.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hoppid.contracts import intake as intake_events
from hoppid.contracts import scheduling as sched
from hoppid.notifications.context import Context
from hoppid.notifications.delivery.deliveries import deliver
from hoppid.notifications.memory import MemoryStore
from hoppid.notifications.model import Channel, Outgoing
from hoppid.notifications.reactions import directory, inquiries, meetings, person
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event

# the clock of conftest.py's context (its fixtures: ctx, make_context, sent: the mail and SMS)
NOON = datetime(2030, 6, 4, 10, 0, tzinfo=UTC)
PERSON, ADVISOR = "person-1", "advisor-1"
SENT = "no.hoppid.notifications.message.sent.v2"
SUPPRESSED = "no.hoppid.notifications.message.suppressed.v2"


def envelope(event: Event, source: str, subject: str) -> Envelope:
    return dataclasses.replace(event.to_envelope(source=source, subject=subject), time=NOON)


async def inquiry(ctx: Context, email: str = "kari@example.no") -> None:
    event = intake_events.InquiryReceived(
        case_id="case-1",
        office_id="nordveggen",
        person_id=PERSON,
        reference="HOP-0001-UNIT",
        municipality="1539",
        language="nb",
        needs=["guidance"],
        received_at=NOON - timedelta(days=1),
        name="Kari",
        email=email,
        case_link_token="token-1",
    )
    await inquiries.inquiry_received(ctx, event, envelope(event, intake_events.SOURCE, "case-1"))


async def advisor(ctx: Context) -> None:
    event = sched.AdvisorChanged(
        advisor_id=ADVISOR,
        office_id="nordveggen",
        name="Ola",
        email="ola@example.no",
        languages=["nb"],
        changed_at=NOON - timedelta(days=2),
    )
    await directory.advisor_changed(ctx, event)


def booked() -> tuple[sched.MeetingBooked, Envelope]:
    start = NOON + timedelta(days=3)
    event = sched.MeetingBooked(
        booking_id="booking-1",
        office_id="nordveggen",
        case_id="case-1",
        person_id=PERSON,
        advisor_id=ADVISOR,
        meeting_type="first_guidance",
        mode="in_person",
        start=start,
        end=start + timedelta(hours=1),
        booked_by="staff",
        booked_at=NOON,
    )
    return event, envelope(event, sched.SOURCE, "booking-1")


def store_of(ctx: Context) -> MemoryStore:
    assert isinstance(ctx.store, MemoryStore)
    return ctx.store


def outcomes(ctx: Context, message: str) -> list[tuple[str, str, list[str]]]:
    """Each delivery of the message: its recipient kind, status and the status events waiting
    in its outbox for the relay."""
    return sorted(
        (d["recipient_kind"], d["status"], [e["event"]["type"] for e in d.get("outbox", [])])
        for d in store_of(ctx).deliveries.values()
        if d["message"] == message
    )


async def test_a_booked_meeting_reaches_the_person_and_the_advisor_once(
    ctx: Context, sent: Any
) -> None:
    await advisor(ctx)
    await inquiry(ctx)
    assert [m.subject for m in sent.to("kari@example.no")] != []  # the receipt
    sent.mail.clear()
    # non-essential mail turned off: a meeting is a service message, it goes all the same
    await ctx.store.set_preferences(PERSON, {"non_essential": {"email": False, "sms": True}})

    event, env = booked()
    await meetings.meeting_booked(ctx, event, env)
    await meetings.meeting_booked(ctx, event, env)  # Kafka delivers it again

    assert sorted(m.to for m in sent.mail) == ["kari@example.no", "ola@example.no"]
    to_person = sent.to("kari@example.no")[0]
    assert to_person.calendar is not None and "METHOD:REQUEST" in to_person.calendar
    assert outcomes(ctx, "meeting_booked") == [("person", "sent", [SENT])]
    kept = await ctx.store.booking("booking-1")
    assert kept is not None and (kept["sequence"], kept["advisor_id"]) == (0, ADVISOR)


async def test_an_erased_person_gets_nothing(ctx: Context, sent: Any) -> None:
    await advisor(ctx)
    await inquiry(ctx)
    erasure = intake_events.ErasureRequested(
        person_id=PERSON, case_ids=["case-1"], requested_at=NOON
    )
    await person.erasure_requested(ctx, erasure, envelope(erasure, intake_events.SOURCE, PERSON))
    confirmation = sent.to("kari@example.no")[-1]
    sent.mail.clear()

    event, env = booked()
    await meetings.meeting_booked(ctx, event, env)

    assert [m.to for m in sent.mail] == ["ola@example.no"]  # the advisor's only
    assert outcomes(ctx, "meeting_booked") == [("person", "suppressed", [SUPPRESSED])]
    assert confirmation.delivery_id in store_of(ctx).deliveries
    erased = await ctx.store.person(PERSON)
    assert erased is not None and set(erased) == {"_id", "as_of", "erased_at"}
    for delivery in await ctx.store.deliveries_of_person(PERSON):
        assert delivery.get("to") is None and "content" not in delivery


def news(channel: Channel) -> Outgoing:
    return Outgoing(
        message="news",
        channel=channel,
        recipient_kind="person",
        recipient_id=PERSON,
        address="kari@example.no" if channel == "email" else "+4791234567",
        office_id="nordveggen",
        language="nb",
        cause_event_id="news-1",
        message_class="non_essential",
        person_id=PERSON,
    )


async def test_a_non_essential_message_goes_only_by_the_channels_the_person_keeps_on(
    make_context: Callable[..., Context], sent: Any, tmp_path: Path
) -> None:
    (tmp_path / "nb").mkdir()
    (tmp_path / "nb" / "news.subject").write_text("Nyhetsbrev", "utf-8")
    (tmp_path / "nb" / "news.txt").write_text("Nytt fra næringshagen.", "utf-8")
    ctx = make_context(tmp_path)
    await ctx.store.set_preferences(PERSON, {"non_essential": {"email": False, "sms": True}})

    channels: tuple[Channel, ...] = ("email", "sms", "email")
    for channel in channels:  # the email's event again: claimed once
        await deliver(ctx, news(channel))

    assert sent.mail == []
    assert [(s.to, s.text) for s in sent.sms] == [("+4791234567", "Nytt fra næringshagen.")]
    by_channel: dict[str, Any] = {d["channel"]: d for d in store_of(ctx).deliveries.values()}
    assert (by_channel["email"]["status"], by_channel["email"]["reason"]) == (
        "suppressed",
        "opted_out",
    )
    assert by_channel["sms"]["status"] == "sent" and "content" not in by_channel["sms"]
