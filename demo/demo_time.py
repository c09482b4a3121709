"""Time passes: scheduling's clock moves past what was booked, and the offices record it.

A meeting (or a session) can only be marked once it has started, so the demo moves scheduling's
development clock on to a working morning after the last booked meeting and session, then has
staff mark most meetings held and some no-show, record who came to each session, and run the
desk days: people are booked a desk by half day at 09:00, most check in, and at 16:30 the ones
who never came are released as no-shows.

The clock is left where the demo put it, not put back: scheduling's calendar, the people's pages
and the figures then agree that those meetings lie in the past. Putting it back would show held
meetings as coming and offer their times again. The next `make demo` reads the clock and plays
the weeks after it; a new run folder (or `make reset`) starts at real time again. The reminders
of the meetings and sessions in between are sent when the clock jumps, as they would have been.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import httpx
from demo_common import OSLO, SCHEDULING, SchedulingClock, bearer, oslo, weekday_from


@dataclass
class Meeting:
    office: str
    key: str
    booking_id: str
    start: datetime


def working_day_after(instant: datetime) -> date:
    return weekday_from(instant.astimezone(OSLO).date() + timedelta(days=1))


async def mark_meetings(
    client: httpx.AsyncClient, meetings: list[Meeting], rng: random.Random
) -> dict[str, int]:
    """Most meetings held, about one in six a no-show (at least one when there are two)."""
    order = list(meetings)
    rng.shuffle(order)
    missed = max(1, len(order) // 6) if len(order) >= 2 else 0
    done = {"held": 0, "no_show": 0}
    for n, meeting in enumerate(order):
        outcome = "no-show" if n < missed else "held"
        url = f"{SCHEDULING}/v1/offices/{meeting.office}/bookings/{meeting.booking_id}/{outcome}"
        answer = await client.post(url, headers=bearer(meeting.key))
        if answer.status_code == 422:
            raise SystemExit(
                "scheduling says the meeting has not started: its clock did not move. Is make run "
                "using the same HOPPID_SCHEDULING_DEV_CLOCK_FILE as the demo?"
            )
        done["held" if outcome == "held" else "no_show"] += answer.status_code == 200
    return done


async def record_attendance(
    client: httpx.AsyncClient, office: str, key: str, programme_id: str, rng: random.Random
) -> int:
    """Staff tick who came to each session that has started; most people come."""
    url = f"{SCHEDULING}/v1/offices/{office}/programmes/{programme_id}"
    programme = (await client.get(url, headers=bearer(key))).json()
    recorded = 0
    for session in programme["sessions"]:
        came = [e for e in programme["seats"] if rng.random() < 0.85] or programme["seats"][:1]
        attended = [
            {"enrolment_id": e["id"], "participants": max(0, e["participants"] - rng.randint(0, 2))}
            if e["school"]
            else {"enrolment_id": e["id"]}
            for e in came
        ]
        if not attended:
            continue
        answer = await client.post(
            f"{url}/sessions/{session['id']}/attendance",
            json={"attended": attended},
            headers=bearer(key),
        )
        recorded += len(attended) if answer.status_code == 200 else 0
    return recorded


async def desk_day(
    client: httpx.AsyncClient,
    clock: SchedulingClock,
    day: date,
    sitters: dict[str, tuple[str, list[str]]],
    rng: random.Random,
) -> dict[str, int] | None:
    """One working day at the desks of every office; None when the offices are closed that day
    (a public holiday): the caller tries the next day."""
    await clock.move_to(oslo(day, 9))
    done = {"booked": 0, "checked_in": 0, "released": 0}
    for office, (key, people) in sitters.items():
        url = f"{SCHEDULING}/v1/offices/{office}/seat-bookings"
        booked: list[dict[str, Any]] = []
        for person_id in people:
            half = rng.choice(["morning", "afternoon", "day"])
            body = {"day": day.isoformat(), "half": half, "person_id": person_id}
            answer = await client.post(url, json=body, headers=bearer(key))
            if answer.status_code == 422 and '"field":"day"' in answer.text.replace(" ", ""):
                return None  # closed that day (the problem names the field)
            booked += answer.json() if answer.status_code == 201 else []
        done["booked"] += len(booked)
        rng.shuffle(booked)
        stay_away = max(1, len(booked) // 4) if len(booked) >= 2 else 0
        for booking in booked[stay_away:]:
            checked = await client.post(f"{url}/{booking['id']}/check-in", headers=bearer(key))
            done["checked_in"] += checked.status_code == 200
    await clock.move_to(oslo(day, 16, 30))
    for office, (key, _) in sitters.items():
        url = f"{SCHEDULING}/v1/offices/{office}/seat-bookings/release-no-shows"
        released = await client.post(url, headers=bearer(key))
        done["released"] += len(released.json().get("released", []))
    return done


async def desk_days(
    client: httpx.AsyncClient,
    clock: SchedulingClock,
    first: date,
    count: int,
    sitters: dict[str, tuple[str, list[str]]],
    rng: random.Random,
) -> dict[str, int]:
    """``count`` working days at the desks from ``first`` on, skipping closed days."""
    total = {"booked": 0, "checked_in": 0, "released": 0}
    day, played = first, 0
    while played < count and day < first + timedelta(days=30):
        done = await desk_day(client, clock, day, sitters, rng)
        if done is not None:
            played += 1
            total = {k: total[k] + done[k] for k in total}
        day = weekday_from(day + timedelta(days=1))
    return total
