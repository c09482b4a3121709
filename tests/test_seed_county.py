"""bench/seed_county.py at a tiny scale against the real store: every service's part is there, as
the services' own code leaves it after five years (meetings with their claims and busy times,
deliveries sent, outboxes empty, nothing pending), the same twice from one seed, and a second
run refuses or, with ``--if-missing``, does nothing."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from hoppid.scheduling.meetings.busy_times import KEEP, entry
from hoppid.scheduling.model import REMINDERS

ROOT = Path(__file__).resolve().parent.parent
END = datetime(2026, 12, 1, tzinfo=UTC)
SCALE = "0.001"  # 50 cases, 40 people
SERVICES = ("intake", "vault", "scheduling", "notifications")


def seed(prefix: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """The command as make bench runs it (a process of its own: it points ids at its generator)."""
    command = [sys.executable, str(ROOT / "bench/seed_county.py"), "--scale", SCALE]
    return subprocess.run(
        [*command, "--prefix", prefix, *extra],
        capture_output=True,
        text=True,
        env=os.environ,
        timeout=600,
        check=False,
    )


@pytest.fixture
async def prefixes(
    mongo: AsyncMongoClient[dict[str, Any]], unique: str
) -> AsyncIterator[tuple[str, str]]:
    pair = (f"seed-{unique}-a.", f"seed-{unique}-b.")
    yield pair
    for prefix in pair:
        safe = prefix.replace(".", "_")
        for service in SERVICES:
            await mongo.drop_database(f"{safe}hoppid_{service}")


async def _meetings(mongo: AsyncMongoClient[dict[str, Any]], prefix: str) -> list[Any]:
    database = mongo[f"{prefix.replace('.', '_')}hoppid_scheduling"]
    fields = {"status": 1, "start": 1, "advisor_id": 1, "case_id": 1, "cells": 1}
    return [b async for b in database["bookings"].find({}, fields).sort("_id", 1)]


async def test_a_tiny_county_holds_every_services_part_as_their_code_leaves_it(
    mongo: AsyncMongoClient[dict[str, Any]], prefixes: tuple[str, str]
) -> None:
    first, second = prefixes
    done = await asyncio.to_thread(seed, first)
    assert done.returncode == 0, done.stderr[-3000:]
    safe = first.replace(".", "_")
    scheduling = mongo[f"{safe}hoppid_scheduling"]
    notifications = mongo[f"{safe}hoppid_notifications"]

    bookings = [b async for b in scheduling["bookings"].find({})]
    statuses = {b["status"] for b in bookings}
    assert "held" in statuses and statuses <= {"booked", "held", "missed", "cancelled"}
    assert await scheduling["offers"].count_documents({}) == 50  # one per opened case
    claims = {c["_id"]: c async for c in scheduling["claims"].find({})}
    entries = {}
    async for bucket in scheduling["busy_times"].find({}):
        entries.update(bucket.get("busy") or {})
    for booking in bookings:
        assert booking["created_at"].replace(tzinfo=UTC) < END
        assert booking["outbox"] == [] and "outbox_pending" not in booking
        for claim_id in booking["claim_ids"]:  # cancelled ones gave theirs back
            assert claims[claim_id]["booking_id"] == booking["_id"]
        start = booking["start"].replace(tzinfo=UTC)
        if booking["status"] == "booked" and start >= END - KEEP:  # what searches still see
            assert entries.pop(booking["_id"]) == entry(booking)
        if booking["status"] == "booked" and start >= END + REMINDERS["24h"]:
            assert booking["reminders"] == ["24h", "2h"]  # still to come
        if booking["status"] != "booked":
            assert booking["reminders"] == [] or booking["status"] != "cancelled"
            assert booking["reminder_at"] is None or booking["status"] == "booked"
        if booking["status"] == "cancelled":
            assert booking["claim_ids"] == []
    assert entries == {}  # none left of meetings past, cancelled or unknown
    listed = {c for b in bookings for c in b["claim_ids"]}
    assert set(claims) == listed  # no claim left without its booking
    assert await scheduling["claims_pending"].count_documents({}) == 0

    deliveries = [d async for d in notifications["deliveries"].find({})]
    messages = {d["message"] for d in deliveries}
    assert {"inquiry_receipt", "new_case_notice", "slots_offered", "meeting_booked"} <= messages
    assert {"advisor_meeting_booked", "meeting_reminder_24h"} <= messages
    assert {d["status"] for d in deliveries} == {"sent"}
    assert all(d["outbox"] == [] and "content" not in d for d in deliveries)
    assert all(d["created_at"].replace(tzinfo=UTC) < END for d in deliveries)
    assert await notifications["people"].count_documents({}) == 40
    assert await notifications["cases"].count_documents({}) == 50
    assert await notifications["bookings"].count_documents({}) == len(bookings)

    again = await asyncio.to_thread(seed, second)
    assert again.returncode == 0, again.stderr[-3000:]
    assert await _meetings(mongo, first) == await _meetings(mongo, second)

    refused = await asyncio.to_thread(seed, first)
    assert refused.returncode != 0 and "seeded already" in refused.stderr
    nothing = await asyncio.to_thread(seed, first, "--if-missing")
    assert nothing.returncode == 0 and "nothing to do" in nothing.stdout
