"""What each office offers besides guidance: group programmes and desks, through scheduling's
staff API (the office-admin demo key).

Every office gets a course, a growth programme (with a partner city) and an innovation camp, each
with sessions in the coming days, a capacity and a minimum; a school programme with a few
classes enrolled by head count (school, class, pupils: no personal data); and two desks. Capacity
grows with the demo's size, slower than the people, so popular programmes fill and people wait.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import httpx
from demo_common import SCHEDULING, bearer, oslo, weekday_from

# kind, title, partner city, sessions as (days ahead, from hour, to hour), weekdays only
PROGRAMMES: list[tuple[str, str, str | None, list[tuple[int, int, int]], bool]] = [
    ("course", "Etablererkurs", None, [(3, 17, 20), (5, 17, 20), (7, 17, 20)], True),
    ("growth_programme", "Vekstprogram", "Bergen", [(4, 9, 15), (9, 9, 15)], True),
    ("innovation_camp", "Innovasjonscamp", None, [(6, 9, 16), (7, 9, 16)], False),
]
SCHOOLS = ["Romsdal vgs", "Molde vgs", "Fagerlia vgs", "Kristiansund vgs", "Ørsta vgs"]
DESKS = ["Vindusplass 1", "Vindusplass 2"]


def sessions(today: date, plan: list[tuple[int, int, int]], weekdays: bool) -> list[Any]:
    out = []
    for ahead, start, end in plan:
        day = today + timedelta(days=ahead)
        day = weekday_from(day) if weekdays else day
        out.append({"start": oslo(day, start).isoformat(), "end": oslo(day, end).isoformat()})
    return out


async def programmes(
    client: httpx.AsyncClient, office: str, key: str, today: date, capacity: int
) -> list[dict[str, Any]]:
    """The office's programmes for the coming weeks, titled by their first day."""
    url = f"{SCHEDULING}/v1/offices/{office}/programmes"
    made = []
    for kind, title, city, plan, weekdays in PROGRAMMES:
        times = sessions(today, plan, weekdays)
        body = {
            "kind": kind,
            "title": f"{title} {times[0]['start'][:10]}",
            "partner_city": city,
            "capacity": capacity,
            "minimum": max(1, capacity // 2),
            "sessions": times,
        }
        created = await client.post(url, json=body, headers=bearer(key))
        created.raise_for_status()
        made.append(created.json())
    return made


async def school_programme(
    client: httpx.AsyncClient, office: str, key: str, today: date, rng: random.Random
) -> tuple[dict[str, Any], int, int]:
    """A school programme and classes enrolled in it: (programme, seated, waiting). The pupils
    can outnumber the seats: then the last classes wait."""
    url = f"{SCHEDULING}/v1/offices/{office}/programmes"
    body = {
        "kind": "school_programme",
        "title": f"Elevbedrift {today.isoformat()}",
        "capacity": 90,
        "minimum": 20,
        "sessions": sessions(today, [(5, 10, 14), (12, 10, 14)], True),
    }
    created = await client.post(url, json=body, headers=bearer(key))
    created.raise_for_status()
    programme = created.json()
    seated = waiting = 0
    for school in rng.sample(SCHOOLS, 2):
        for grade in rng.sample(["1STA", "2STA", "1ID", "2ID"], rng.randint(1, 2)):
            enrolment = {
                "school": school,
                "school_class": grade,
                "participants": rng.randint(14, 28),
            }
            enrolled = await client.post(
                f"{url}/{programme['id']}/enrolments", json=enrolment, headers=bearer(key)
            )
            status = enrolled.json().get("status") if enrolled.status_code == 201 else None
            seated += status == "enrolled"
            waiting += status == "waitlisted"
    return programme, seated, waiting


async def desks(client: httpx.AsyncClient, office: str, key: str) -> int:
    """Two desks at the office (added once: a second demo run finds them)."""
    url = f"{SCHEDULING}/v1/offices/{office}/desks"
    existing = {d["name"] for d in (await client.get(url, headers=bearer(key))).json()}
    for name in DESKS:
        if name not in existing:
            (await client.post(url, json={"name": name}, headers=bearer(key))).raise_for_status()
    return len(DESKS)
