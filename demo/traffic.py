"""Demo traffic: inquiries and the offices' work on them, through the public APIs.

`make demo` (or `python demo/traffic.py 300`) sends that many inquiries from people across the
county's municipalities, then plays the next weeks of the offices:

1. each office puts on a course, a growth programme, an innovation camp and a school programme
   (classes by head count) and has two desks (demo_offer);
2. each office works its cases: contacts most, takes many into guidance, books first meetings,
   helps with applications, makes introductions, sees some register a company;
3. people enrol in programmes through their own link (read from the development mailbox); some
   wait, some cancel and the first waiting gets the seat (demo_people);
4. time passes: scheduling's development clock moves past the booked meetings and sessions;
   staff mark meetings held or no-show, record attendance and run desk days (demo_time).

Figures, dashboards and the mailbox then have something to show. Needs `make run` going (it
reads the demo keys it printed) and scheduling's clock file (HOPPID_SCHEDULING_DEV_CLOCK_FILE,
passed by scripts/demo.sh). Seeded: the same size plays the same demo.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
from datetime import date, datetime, timedelta
from typing import Any

import demo_offer
import demo_people
import demo_time
import httpx
from demo_common import INTAKE, KEYS_FILE, SCHEDULING, SchedulingClock, bearer, oslo
from demo_inquiries import inquiry, org_number
from demo_time import Meeting


async def send_inquiries(client: httpx.AsyncClient, count: int, rng: random.Random) -> list[Any]:
    """The inquiries accepted (each with its form, so later steps know who needs what)."""
    sent = []
    for n in range(count):
        form = inquiry(n, rng)
        response = await client.post(
            f"{INTAKE}/v1/inquiries", json=form, headers={"Idempotency-Key": f"demo-{n}"}
        )
        if response.status_code in (200, 201):
            sent.append(form)
    return sent


class OfficeWork:
    """One office's cases worked: counts, the meetings booked, who wants a desk."""

    def __init__(self, office: str, key: str) -> None:
        self.office, self.key = office, key
        self.done = {"contacted": 0, "guidance": 0, "meetings": 0, "companies": 0}
        self.meetings: list[Meeting] = []
        self.sitters: list[str] = []  # person ids, office_seat first


async def work_cases(
    client: httpx.AsyncClient, work: OfficeWork, today: date, rng: random.Random
) -> None:
    auth = bearer(work.key)
    done = work.done
    cases = (
        await client.get(f"{INTAKE}/v1/cases", params={"status": "new", "limit": 500}, headers=auth)
    ).json()
    seats = [c["person_id"] for c in cases if "office_seat" in c.get("needs", [])]
    work.sitters = (seats or [c["person_id"] for c in cases])[:6]
    for case in cases:
        url = f"{INTAKE}/v1/cases/{case['id']}"
        if rng.random() < 0.1:
            await client.post(
                f"{url}/status", json={"status": "closed", "reason": "no_response"}, headers=auth
            )
            continue
        await client.post(f"{url}/status", json={"status": "contacted"}, headers=auth)
        done["contacted"] += 1
        meeting = await book_first_meeting(client, work, case, today)
        if meeting is not None:
            work.meetings.append(meeting)
            done["meetings"] += 1
        if rng.random() < 0.6:
            await client.post(f"{url}/status", json={"status": "in_guidance"}, headers=auth)
            done["guidance"] += 1
            await guidance(client, url, auth, rng)
            if rng.random() < 0.25:
                # intake keeps real time (only scheduling runs on the development clock)
                registered = (date.today() - timedelta(days=rng.randint(0, 30))).isoformat()
                body = {"org_number": org_number(rng), "registered_on": registered}
                done["companies"] += (
                    await client.post(f"{url}/company", json=body, headers=auth)
                ).status_code == 200


async def guidance(
    client: httpx.AsyncClient, url: str, auth: dict[str, str], rng: random.Random
) -> None:
    await client.post(f"{url}/notes", json={"text": "Demo: first conversation"}, headers=auth)
    if rng.random() < 0.4:
        asked = rng.choice([50_000, 100_000, 150_000, 300_000])
        app = await client.post(
            f"{url}/applications",
            headers=auth,
            json={"programme": "Etablerertilskudd", "amount_asked_nok": asked},
        )
        application_id = app.json()["applications"][-1]["id"]
        outcome = rng.choice(["granted", "granted", "rejected"])
        granted = asked if outcome == "granted" else 0
        await client.post(
            f"{url}/applications/{application_id}/decision",
            headers=auth,
            json={"outcome": outcome, "amount_granted_nok": granted},
        )
    if rng.random() < 0.3:
        await client.post(
            f"{url}/introductions",
            headers=auth,
            json={"to_whom": "a local company", "kind": "company", "why": "demo: first customer"},
        )


async def book_first_meeting(
    client: httpx.AsyncClient, work: OfficeWork, case: dict[str, Any], today: date
) -> Meeting | None:
    """The earliest free first meeting from two days on (scheduling's days)."""
    first = today + timedelta(days=2)
    slots = await client.get(
        f"{SCHEDULING}/v1/offices/{work.office}/slots",
        headers=bearer(work.key),
        params={
            "from": first.isoformat(),
            "to": (first + timedelta(days=14)).isoformat(),
            "meeting_type": "first_guidance",
            "limit": 1,
        },
    )
    if slots.status_code != 200 or not slots.json():
        return None
    slot = slots.json()[0]
    booked = await client.post(
        f"{SCHEDULING}/v1/offices/{work.office}/bookings",
        headers=bearer(work.key),
        json={
            "case_id": case["id"],
            "person_id": case["person_id"],
            "start": slot["start"],
            "mode": slot["mode"],
            "advisor_id": slot["advisor_id"],
        },
    )
    if booked.status_code != 201:
        return None
    start = datetime.fromisoformat(booked.json()["start"])
    return Meeting(work.office, work.key, booked.json()["id"], start)


async def offer(
    client: httpx.AsyncClient, keys: dict[str, str], count: int, today: date, rng: random.Random
) -> list[tuple[str, str, dict[str, Any]]]:
    """Programmes and desks at every office: (office, key, programme) of each programme."""
    capacity = max(2, count // 60)  # grows slower than the people: popular ones fill
    made, seated, waiting = [], 0, 0
    for office, key in keys.items():
        for programme in await demo_offer.programmes(client, office, key, today, capacity):
            made.append((office, key, programme))
        school, *classes = await demo_offer.school_programme(client, office, key, today, rng)
        made.append((office, key, school))
        seated, waiting = seated + classes[0], waiting + classes[1]  # (seated, waiting) classes
        await demo_offer.desks(client, office, key)
    counts = {"programmes": len(made), "school_classes": seated, "classes_waiting": waiting}
    show("offer", {**counts, "desks": 2 * len(keys)})
    return made


def show(what: str, done: dict[str, int]) -> None:
    print(f"{what:14} " + ", ".join(f"{k} {v}" for k, v in done.items()))


async def main(count: int) -> None:
    rng = random.Random(2026)  # the same demo every time
    keys: dict[str, str] = json.loads(KEYS_FILE.read_text())
    clock = SchedulingClock.from_environment()
    today = clock.today()
    print(f"scheduling's day: {today} (its clock runs {clock.offset():.0f} s ahead)")
    async with httpx.AsyncClient(timeout=30) as client:
        sent = await send_inquiries(client, count, rng)
        print(f"{len(sent)} inquiries sent")
        programmes = await offer(client, keys, count, today, rng)
        await asyncio.sleep(2)  # let the case-opened events reach scheduling
        offices = [OfficeWork(office, key) for office, key in keys.items()]
        for work in offices:
            await work_cases(client, work, today, rng)
            show(work.office, work.done)
        keen = [f["email"] for f in sent if "course" in f["needs"] or rng.random() < 0.2]
        show("programmes", await demo_people.enrolments(client, keen, rng))
        await time_passes(client, clock, offices, programmes, count, rng)


async def time_passes(
    client: httpx.AsyncClient,
    clock: SchedulingClock,
    offices: list[OfficeWork],
    programmes: list[tuple[str, str, dict[str, Any]]],
    count: int,
    rng: random.Random,
) -> None:
    """Move scheduling's clock past every meeting and session, and record how they went."""
    meetings = [m for work in offices for m in work.meetings]
    starts = [m.start for m in meetings] + [
        datetime.fromisoformat(s["start"]) for _, _, p in programmes for s in p["sessions"]
    ]
    first_day = demo_time.working_day_after(max(starts))
    await clock.move_to(oslo(first_day, 9))
    print(f"scheduling's clock moved on to {first_day} 09:00 (and left there)")
    show("meetings", await demo_time.mark_meetings(client, meetings, rng))
    attended = 0
    for office, key, programme in programmes:
        attended += await demo_time.record_attendance(client, office, key, programme["id"], rng)
    show("sessions", {"attendances": attended})
    sitters = {w.office: (w.key, w.sitters) for w in offices if w.sitters}
    days = max(1, min(5, count // 50))
    show("desks", await demo_time.desk_days(client, clock, first_day, days, sitters, rng))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
