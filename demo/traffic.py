"""Demo traffic: inquiries and the offices' work on them, through the public APIs.

`make demo` (or `python demo/traffic.py 300`) sends that many inquiries from people across the
county's municipalities, then has each office work its cases the way an office does: contact
most, take many into guidance, book first meetings, help with applications, make
introductions, and see some register a company. Figures, dashboards and the mailbox then have
something to show. Needs `make run` going (it reads the demo keys it printed).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

INTAKE = os.environ.get("HOPPID_DEMO_INTAKE_URL", "http://127.0.0.1:8001")
SCHEDULING = os.environ.get("HOPPID_DEMO_SCHEDULING_URL", "http://127.0.0.1:8002")
KEYS_FILE = Path(os.environ.get("HOPPID_DEMO_KEYS_FILE", ".stack/demo-keys.json"))
FIRST = [
    "Kari",
    "Ola",
    "Ingrid",
    "Lars",
    "Åse",
    "Øystein",
    "Sigrid",
    "Håkon",
    "Marit",
    "Eirik",
    "Nora",
    "Jonas",
    "Aisha",
    "Mateusz",
    "Linnea",
    "Bjørn",
]
LAST = ["Nordmann", "Hansen", "Røed", "Fjellstad", "Ødegård", "Aas", "Vik", "Strand", "Bakke"]
IDEAS = [
    "Guided climbs in Romsdalen",
    "A bakery with local grain",
    "Fish-skin leather goods",
    "Digital bookkeeping for farms",
    "Kayak rental on the fjord",
    "A coworking café",
    "Wool design studio",
    "E-bike repairs",
    "Apps for tourist cabins",
    "Seaweed snacks",
]
# the bigger towns get more inquiries, as they do
MUNICIPALITIES = (
    ["1539"] * 4
    + ["1506"] * 5
    + ["1508"] * 6
    + ["1505"] * 4
    + [
        "1511",
        "1514",
        "1515",
        "1516",
        "1517",
        "1520",
        "1525",
        "1528",
        "1531",
        "1532",
        "1535",
        "1547",
        "1554",
        "1557",
        "1560",
        "1563",
        "1566",
        "1573",
        "1576",
        "1577",
        "1578",
        "1579",
        "1580",
    ]
)
NEEDS = ["guidance", "course", "application_help", "network_introduction", "office_seat"]


def org_number(rng: random.Random) -> str:
    """A number with a valid mod-11 check digit (as Brønnøysund gives them)."""
    while True:
        digits = [9] + [rng.randrange(10) for _ in range(7)]
        remainder = sum(d * w for d, w in zip(digits, (3, 2, 7, 6, 5, 4, 3, 2), strict=True)) % 11
        check = 0 if remainder == 0 else 11 - remainder
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def inquiry(n: int, rng: random.Random) -> dict[str, Any]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return {
        "name": f"{first} {last}",
        "email": f"demo{n}@example.no",
        "phone": f"9{rng.randrange(10_000_000):07d}",
        "municipality": rng.choice(MUNICIPALITIES),
        "idea": f"{rng.choice(IDEAS)} (demo {n})",
        "stage": rng.choice(["idea", "starting", "running"]),
        "needs": rng.sample(NEEDS, rng.randint(1, 3)),
        "language": rng.choice(["nb", "nb", "nn", "en"]),
        "meeting_mode": rng.choice(["in_person", "digital"]),
        "consent_processing": True,
        "consent_text_version": "2026-11-01",
        "consent_newsletter": rng.random() < 0.4,
        "share_company_with_partners": rng.random() < 0.6,
    }


async def send_inquiries(client: httpx.AsyncClient, count: int, rng: random.Random) -> int:
    sent = 0
    for n in range(count):
        response = await client.post(
            f"{INTAKE}/v1/inquiries", json=inquiry(n, rng), headers={"Idempotency-Key": f"demo-{n}"}
        )
        sent += response.status_code in (200, 201)
    return sent


async def work_cases(
    client: httpx.AsyncClient, office: str, key: str, rng: random.Random
) -> dict[str, int]:
    auth = {"Authorization": f"Bearer {key}"}
    done = {"contacted": 0, "guidance": 0, "meetings": 0, "companies": 0}
    cases = (
        await client.get(f"{INTAKE}/v1/cases", params={"status": "new", "limit": 500}, headers=auth)
    ).json()
    for case in cases:
        url = f"{INTAKE}/v1/cases/{case['id']}"
        if rng.random() < 0.1:
            await client.post(
                f"{url}/status", json={"status": "closed", "reason": "no_response"}, headers=auth
            )
            continue
        await client.post(f"{url}/status", json={"status": "contacted"}, headers=auth)
        done["contacted"] += 1
        done["meetings"] += await book_first_meeting(client, office, case, auth)
        if rng.random() < 0.6:
            await client.post(f"{url}/status", json={"status": "in_guidance"}, headers=auth)
            done["guidance"] += 1
            await guidance(client, url, auth, rng)
            if rng.random() < 0.25:
                registered = (date.today() - timedelta(days=rng.randint(0, 30))).isoformat()
                body = {"org_number": org_number(rng), "registered_on": registered}
                done["companies"] += (
                    await client.post(f"{url}/company", json=body, headers=auth)
                ).status_code == 200
    return done


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
    client: httpx.AsyncClient, office: str, case: dict[str, Any], auth: dict[str, str]
) -> int:
    first = date.today() + timedelta(days=2)
    slots = await client.get(
        f"{SCHEDULING}/v1/offices/{office}/slots",
        headers=auth,
        params={
            "from": first.isoformat(),
            "to": (first + timedelta(days=14)).isoformat(),
            "meeting_type": "first_guidance",
            "limit": 1,
        },
    )
    if slots.status_code != 200 or not slots.json():
        return 0
    slot = slots.json()[0]
    booked = await client.post(
        f"{SCHEDULING}/v1/offices/{office}/bookings",
        headers=auth,
        json={
            "case_id": case["id"],
            "person_id": case["person_id"],
            "start": slot["start"],
            "mode": slot["mode"],
            "advisor_id": slot["advisor_id"],
        },
    )
    return int(booked.status_code == 201)


async def main(count: int) -> None:
    rng = random.Random(2026)  # the same demo every time
    keys: dict[str, str] = json.loads(KEYS_FILE.read_text())
    async with httpx.AsyncClient(timeout=30) as client:
        sent = await send_inquiries(client, count, rng)
        print(f"{sent} inquiries sent")
        await asyncio.sleep(2)  # let the case-opened events reach scheduling
        for office, key in keys.items():
            done = await work_cases(client, office, key, rng)
            print(f"{office:14} " + ", ".join(f"{k} {v}" for k, v in done.items()))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
