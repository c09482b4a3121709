"""Reminders 24 h and 2 h before a meeting: each exactly once, even across a crash and restart."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from scheduling_support import OFFICE, scheduling_env, started

from hoppid.shared.testing import ServiceProcess, eventually, of_type, read_envelopes

# its outcome could depend on the hour, weekday or DST: scripts/time_of_day.sh
pytestmark = pytest.mark.time_of_day

REMINDER = "scheduling.reminder.due.v1"
SESSION = "scheduling.session.reminder_due.v1"


def booking(booking_id: str, start: datetime) -> dict[str, Any]:
    """A booked meeting as the booking use case leaves it, written straight into the store:
    waiting a day for a reminder to come due is no test (the poller's rule is what is tested)."""
    return {
        "_id": booking_id,
        "office_id": OFFICE,
        "case_id": f"case-{booking_id}",
        "person_id": f"person-{booking_id}",
        "advisor_id": "advisor-1",
        "meeting_type": "first_guidance",
        "mode": "digital",
        "start": start,
        "end": start + timedelta(hours=1),
        "cells": [],
        "claim_ids": [],
        "status": "booked",
        "reminders": ["24h", "2h"],
        "reminder_at": start - timedelta(hours=24),
        "sequence": 0,
        "history": [],
        "outbox": [],
    }


async def test_each_reminder_is_due_once_across_a_restart(
    topic_prefix: str, unique: str, database: Any
) -> None:
    now = datetime.now(UTC)
    soon = now + timedelta(minutes=90)  # both reminders are due now
    tomorrow = now + timedelta(hours=23)  # only the 24 h one is due (the 2 h one later)
    cancelled = {**booking("c", soon), "status": "cancelled"}
    await database["bookings"].insert_many([booking("a", soon), booking("b", tomorrow), cancelled])
    env = scheduling_env(topic_prefix, unique, HOPPID_SCHEDULING_REMINDER_POLL_SECONDS="0.3")
    service = await started(ServiceProcess("scheduling", env))
    topic = f"{topic_prefix}hoppid.scheduling"
    try:
        await read_envelopes(topic, lambda es: len(of_type(es, REMINDER)) >= 3, timeout=60)
        await service.kill()
        await started(service)  # the poller runs again over the same store

        async def settled() -> bool:
            docs = [d async for d in database["bookings"].find({"_id": {"$in": ["a", "b"]}})]
            return all(d["outbox"] == [] for d in docs)

        await eventually(settled, what="outboxes drained after the restart")
        found = await read_envelopes(topic, lambda es: len(of_type(es, REMINDER)) >= 3)
    finally:
        await service.stop()

    reminders = of_type([e for _, e in found], REMINDER)
    by_booking: dict[str, set[tuple[str, str]]] = {}
    for envelope in reminders:
        by_booking.setdefault(envelope.subject, set()).add((envelope.data["kind"], envelope.id))
    assert {b: sorted(kind for kind, _ in ids) for b, ids in by_booking.items()} == {
        "a": ["24h", "2h"],
        "b": ["24h"],
    }  # never the cancelled one, never twice
    assert len({e.id for e in reminders}) == 3
    b = await database["bookings"].find_one({"_id": "b"})
    assert b is not None
    assert b["reminders"] == ["2h"]
    assert abs(b["reminder_at"] - (tomorrow - timedelta(hours=2))) < timedelta(seconds=1)
    a = await database["bookings"].find_one({"_id": "a"})
    assert a is not None
    assert (a["reminders"], a["reminder_at"]) == ([], None)


async def test_each_session_reminder_is_due_once(
    topic_prefix: str, unique: str, database: Any
) -> None:
    env = scheduling_env(topic_prefix, unique, HOPPID_SCHEDULING_REMINDER_POLL_SECONDS="0.3")
    service = await started(ServiceProcess("scheduling", env))
    now = datetime.now(UTC).replace(microsecond=0)
    soon = now + timedelta(hours=2, seconds=20)  # its 2 h reminder comes due in 20 s
    later = now + timedelta(days=30)  # both of its reminders far ahead
    body = {
        "kind": "course",
        "title": "Markedsføring for gründerar",
        "capacity": 10,
        "sessions": [
            {"start": soon.isoformat(), "end": (soon + timedelta(hours=2)).isoformat()},
            {"start": later.isoformat(), "end": (later + timedelta(hours=2)).isoformat()},
        ],
    }
    topic = f"{topic_prefix}hoppid.scheduling"
    try:
        admin = {"Authorization": "Bearer scheduling-platform-admin-key-for-tests"}
        async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:
            made = await client.post(f"/v1/offices/{OFFICE}/programmes", json=body, headers=admin)
        assert made.status_code == 201, made.text
        programme_id = made.json()["id"]
        found = await read_envelopes(topic, lambda es: bool(of_type(es, SESSION)), timeout=60)
        await asyncio.sleep(2)  # a few more polls: nothing more may come
        found = await read_envelopes(topic, lambda es: bool(of_type(es, SESSION)))
    finally:
        await service.stop()
    reminders = of_type([e for _, e in found], SESSION)
    assert [(e.data["session_id"], e.data["reminder"]) for e in reminders] == [("s1", "2h")]
    assert reminders[0].subject == programme_id
    assert "Markedsføring" not in str(reminders[0].data)  # titles never travel
    stored = await database["programmes"].find_one({"_id": programme_id})
    assert stored is not None
    assert stored["session_reminders"] == ["s2:24h", "s2:2h"]
    assert abs(stored["reminder_at"] - (later - timedelta(hours=24))) < timedelta(seconds=1)


def distinct(envelopes: list[Any]) -> int:
    return len({envelope.id for envelope in envelopes})


async def test_session_reminders_due_while_the_service_is_down_come_once_after_restarts(
    topic_prefix: str, unique: str, database: Any
) -> None:
    env = scheduling_env(topic_prefix, unique, HOPPID_SCHEDULING_REMINDER_POLL_SECONDS="0.3")
    service = await started(ServiceProcess("scheduling", env))
    now = datetime.now(UTC).replace(microsecond=0)
    first = now + timedelta(hours=2, seconds=20)  # s1: its 2 h reminder due in 20 s
    second = now + timedelta(hours=24, seconds=45)  # s2: its 24 h reminder due in 45 s
    body = {
        "kind": "innovation_camp",
        "title": "Innovasjonscamp",
        "capacity": 10,
        "sessions": [
            {"start": s.isoformat(), "end": (s + timedelta(hours=2)).isoformat()}
            for s in (first, second)
        ],
    }
    topic = f"{topic_prefix}hoppid.scheduling"
    try:
        admin = {"Authorization": "Bearer scheduling-platform-admin-key-for-tests"}
        async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:
            made = await client.post(f"/v1/offices/{OFFICE}/programmes", json=body, headers=admin)
        assert made.status_code == 201, made.text
        programme_id = made.json()["id"]
        await service.kill()  # scheduled, nothing due yet: a crash
        due = first - timedelta(hours=2)
        await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds() + 2))
        await started(service)  # s1's reminder came due while the service was down
        await read_envelopes(topic, lambda es: bool(of_type(es, SESSION)), timeout=60)
        await service.kill()  # and again, between the first reminder and the second
        await started(service)
        found = await read_envelopes(
            topic, lambda es: distinct(of_type(es, SESSION)) >= 2, timeout=90
        )
        await asyncio.sleep(2)  # a few more polls: nothing more may come
        found = await read_envelopes(topic, lambda es: distinct(of_type(es, SESSION)) >= 2)
    finally:
        await service.stop()
    # A kill between the broker's ack and the outbox's removal publishes the same event again
    # (same CloudEvents id: at least once, GUIDE.md 5); consumers drop it by its id, so count
    # events as they do. A second reminder made anew would have its own id and fail below.
    reminders = list({e.id: e for e in of_type([e for _, e in found], SESSION)}.values())
    assert sorted((e.data["session_id"], e.data["reminder"]) for e in reminders) == [
        ("s1", "2h"),
        ("s2", "24h"),
    ]  # each exactly once; s1's 24 h one was already past when it was made: dropped
    assert len({e.id for e in reminders}) == 2
    assert {e.subject for e in reminders} == {programme_id}
    stored = await database["programmes"].find_one({"_id": programme_id})
    assert stored is not None
    assert stored["session_reminders"] == ["s2:2h"]
    assert stored["outbox"] == []
