"""Faults: a crash in the middle of a booking burst loses and doubles nothing; a slot claim left
behind by a crash (claimed, booking never written) is repaired by the next booking."""

import asyncio
from datetime import UTC, datetime, time, timedelta
from typing import Any

import httpx
from scheduling_support import OFFICE, scheduling_env, started, working_day

from hoppid.scheduling.meetings.busy_times import bucket_id
from hoppid.scheduling.meetings.store import claim_id
from hoppid.scheduling.model import oslo_instant
from hoppid.shared.testing import ServiceProcess, eventually, of_type, read_envelopes

ADMIN = {"Authorization": "Bearer scheduling-platform-admin-key-for-tests"}
BURST = 24
GRACE = 2


def slot(n: int) -> datetime:
    """Distinct free hours of one advisor: six a day (09:00 ... 14:00) over four working days."""
    day = working_day(8 + 7 * (n // 6))
    start = oslo_instant(day, time(9 + n % 6))
    assert start is not None
    return start


async def book(client: httpx.AsyncClient, advisor_id: str, n: int) -> int | None:
    body = {
        "case_id": f"case-{n}",
        "person_id": f"person-{n}",
        "start": slot(n).isoformat(),
        "mode": "digital",
        "advisor_id": advisor_id,
        "meeting_type": "follow_up",  # 30 minutes and the buffer: the next hour stays free
    }
    try:
        response = await client.post(f"/v1/offices/{OFFICE}/bookings", json=body, headers=ADMIN)
    except httpx.HTTPError:
        return None
    return response.status_code


async def add_advisor(client: httpx.AsyncClient) -> str:
    hours = [{"weekday": w, "start": "09:00", "end": "15:00", "place": "digital"} for w in range(5)]
    body = {"name": "Ola", "email": "ola@example.no", "languages": ["nb"], "weekly_hours": hours}
    response = await client.post(f"/v1/offices/{OFFICE}/advisors", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_killed_mid_burst_then_restarted_nothing_lost_or_doubled(
    topic_prefix: str, unique: str, database: Any
) -> None:
    env = scheduling_env(topic_prefix, unique, HOPPID_SCHEDULING_CLAIM_GRACE_SECONDS=str(GRACE))
    service = await started(ServiceProcess("scheduling", env))
    try:
        async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:
            advisor_id = await add_advisor(client)
            burst = [asyncio.create_task(book(client, advisor_id, n)) for n in range(BURST)]

            async def some_written() -> bool:
                return await database["bookings"].count_documents({}) >= BURST // 4

            await eventually(some_written, interval=0.02, what="a quarter of the burst")
            await service.kill()
            first = await asyncio.gather(*burst)
        assert None in first  # the crash cut some requests short
        await started(service)
        # the claims of bookings the crash cut short block their slots for the grace period
        await asyncio.sleep(GRACE + 0.5)
        async with httpx.AsyncClient(base_url=service.url, timeout=30) as client:
            # a client retries what got no answer; a slot it did get before is now a 409
            again = [n for n, code in enumerate(first) if code != 201]
            retried = await asyncio.gather(*(book(client, advisor_id, n) for n in again))
            assert set(retried) <= {201, 409}
        bookings = [b async for b in database["bookings"].find({})]
        found = await read_envelopes(
            f"{topic_prefix}hoppid.scheduling",
            lambda es: (
                {e.subject for e in of_type(es, "scheduling.meeting.booked.v1")}
                >= {b["_id"] for b in bookings}
            ),
            timeout=60,
        )
    finally:
        await service.stop()

    starts = [b["start"] for b in bookings]
    assert len(starts) == len(set(starts)) == BURST  # every slot booked, none twice
    booked = of_type([e for _, e in found], "scheduling.meeting.booked.v1")
    per_booking: dict[str, set[str]] = {}
    for envelope in booked:
        per_booking.setdefault(envelope.subject, set()).add(envelope.id)
    assert set(per_booking) == {b["_id"] for b in bookings}
    assert all(len(ids) == 1 for ids in per_booking.values())  # a re-publish keeps its id


async def test_a_claim_left_by_a_crash_is_repaired_after_its_grace_period(
    topic_prefix: str, unique: str, database: Any
) -> None:
    service = await started(ServiceProcess("scheduling", scheduling_env(topic_prefix, unique)))
    try:
        async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:
            advisor_id = await add_advisor(client)
            start = slot(0)

            async def leave_claim(age: timedelta) -> None:
                await database["claims"].delete_many({})
                await database["claims"].insert_one(
                    {
                        "_id": claim_id(advisor_id, start),
                        "advisor_id": advisor_id,
                        "cell": start,
                        "booking_id": "crashed-before-it-was-written",
                        "at": datetime.now(UTC) - age,
                    }
                )

            await leave_claim(timedelta(seconds=5))  # may still be a booking being written
            assert await book(client, advisor_id, 0) == 409
            await leave_claim(timedelta(minutes=5))  # nobody is writing it any more
            assert await book(client, advisor_id, 0) == 201
    finally:
        await service.stop()
    claims = [c async for c in database["claims"].find({})]
    assert "crashed-before-it-was-written" not in {c["booking_id"] for c in claims}
    assert len(claims) == 3  # 30 minutes and the 15-minute buffer


async def test_a_booking_being_written_hides_its_time_until_its_mark_is_past_the_grace(
    topic_prefix: str, unique: str, database: Any
) -> None:
    """A search reads bookings being written from their marks (small documents beside the busy
    times' buckets, read with them; not the claims): a mark hides its cells; one older than the
    grace was left by a crash, counts no more and is removed."""
    service = await started(ServiceProcess("scheduling", scheduling_env(topic_prefix, unique)))
    try:
        async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:
            advisor_id = await add_advisor(client)
            start = slot(0)
            day = start.date()
            query = f"from={day}&to={day}&meeting_type=follow_up&limit=50&advisor={advisor_id}"

            async def starts() -> set[datetime]:
                path = f"/v1/offices/{OFFICE}/slots?{query}"
                response = await client.get(path, headers=ADMIN)
                assert response.status_code == 200, response.text
                return {datetime.fromisoformat(s["start"]) for s in response.json()}

            async def mark(age: timedelta) -> None:
                await database["busy_times"].insert_one(
                    {
                        "_id": f"being-written-{age.total_seconds():.0f}",
                        "office_id": OFFICE,
                        "advisor_id": advisor_id,
                        "booking_id": "being-written",
                        "cells": [start, start + timedelta(minutes=15)],
                        "at": datetime.now(UTC) - age,
                    }
                )

            assert start in await starts()
            await mark(timedelta(seconds=5))  # within the grace (60 s): may still be written
            assert start not in await starts()
            await database["busy_times"].delete_many({"booking_id": "being-written"})
            await mark(timedelta(minutes=5))  # left by a crash
            assert start in await starts()
    finally:
        await service.stop()
    assert await database["busy_times"].count_documents({"booking_id": "being-written"}) == 0


async def test_busy_times_lost_by_a_crash_are_repaired_from_the_mark_and_at_a_start(
    topic_prefix: str, unique: str, database: Any
) -> None:
    """A search reads busy times, not the bookings (hoppid.scheduling.meetings.busy_times). A crash
    between a booking's document and its busy time leaves the mark: once the mark is past the
    grace the search puts the busy time back from the booking. A start makes every busy time
    agree with the bookings: one lost is written again, one left for a booking that is not
    booked is removed."""
    env = scheduling_env(topic_prefix, unique)
    start, other = slot(0), slot(1)
    day = start.date()
    query = f"from={day}&to={day}&meeting_type=follow_up&limit=50"

    async def starts(client: httpx.AsyncClient) -> set[datetime]:
        response = await client.get(f"/v1/offices/{OFFICE}/slots?{query}", headers=ADMIN)
        assert response.status_code == 200, response.text
        return {datetime.fromisoformat(s["start"]) for s in response.json()}

    async def lose_busy_times() -> None:
        await database["busy_times"].delete_many({})

    service = await started(ServiceProcess("scheduling", env))
    try:
        async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:
            advisor_id = await add_advisor(client)
            assert await book(client, advisor_id, 0) == 201
            booking = await database["bookings"].find_one({"start": start})
            assert start not in await starts(client)
            await lose_busy_times()
            assert start in await starts(client)  # shown, though the claim would refuse it
            await database["busy_times"].insert_one(
                {
                    "_id": f"{booking['_id']}@crashed",
                    "office_id": OFFICE,
                    "advisor_id": advisor_id,
                    "booking_id": booking["_id"],
                    "cells": booking["cells"],
                    "at": datetime(2026, 1, 1, tzinfo=UTC),  # long past the grace, at any hour
                }
            )
            assert start not in await starts(client)
            assert await database["busy_times"].count_documents({"booking_id": booking["_id"]}) == 0
            await lose_busy_times()
            # a busy time of a meeting that is not booked (cancelled, and the crash came before
            # its busy time went): it hides its time until the next start
            stamp = f"{other.timestamp():.0f}"
            await database["busy_times"].update_one(
                {"_id": bucket_id(OFFICE, "gone")},
                {"$set": {"office_id": OFFICE, "busy.gone": f"{advisor_id} {stamp} {stamp}"}},
                upsert=True,
            )
            found = await starts(client)
            assert start in found and other not in found
    finally:
        await service.stop()
    service = await started(ServiceProcess("scheduling", env))
    try:
        async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:
            found = await starts(client)
            assert start not in found and other in found
    finally:
        await service.stop()
