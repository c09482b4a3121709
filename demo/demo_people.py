"""People acting through their own signed link, as they would from a message.

The link is read from the development mailbox's JSON API (notifications' ``/v1/dev/mailbox``,
with make run's platform admin key), as the journey test of make run does: a person's receipt
carries it. With it a person sees the programmes open at their office and enrols (or lands on
the waitlist); some cancel later, and the first waiting person gets the freed seat.
"""

from __future__ import annotations

import asyncio
import random
import re
from dataclasses import dataclass
from typing import Any

import httpx
from demo_common import INTAKE, MAILBOX_KEY, NOTIFICATIONS, SCHEDULING, bearer

# The person's own link; not the footer's, which opens only their message preferences.
LINK = re.compile(r"/me/([A-Za-z0-9_-]+)(?![A-Za-z0-9_-]|/preferences)")
KIND_WEIGHTS = {"course": 4, "growth_programme": 1, "innovation_camp": 2}


@dataclass
class Enrolled:
    token: str
    programme_id: str
    status: str


async def link_token(client: httpx.AsyncClient, email: str, wait_seconds: float = 60) -> str:
    """The person's link token from the newest message to them that carries one."""
    mailbox = f"{NOTIFICATIONS}/v1/dev/mailbox"
    admin = bearer(MAILBOX_KEY)
    for _ in range(int(wait_seconds * 2)):
        listed = await client.get(mailbox, params={"to": email, "limit": 20}, headers=admin)
        if listed.status_code == 404:
            raise SystemExit(f"no development mailbox at {mailbox}: is make run going?")
        if listed.status_code in (401, 403):
            raise SystemExit(
                f"the development mailbox refused the key ({listed.status_code}): give "
                "HOPPID_NOTIFICATIONS_ADMIN_KEY the platform admin key make run uses"
            )
        for item in listed.json():
            one = await client.get(f"{mailbox}/{item['id']}", headers=admin)
            found = LINK.search(one.json()["text"])
            if found:
                return found.group(1)
        await asyncio.sleep(0.5)
    raise SystemExit(f"no message with a link reached {email} in the development mailbox")


async def _my_case(client: httpx.AsyncClient, token: str) -> tuple[str | None, str | None]:
    """(office, case id) of the person's case, as their own pages show them."""
    cases = (await client.get(f"{INTAKE}/v1/me/{token}")).json().get("cases", [])
    mine = (await client.get(f"{SCHEDULING}/v1/me/{token}/meetings")).json()
    known = mine.get("bookings", []) + mine.get("offers", [])
    office = cases[0]["office_id"] if cases else None
    return office, (known[0]["case_id"] if known else None)


async def enrol(client: httpx.AsyncClient, email: str, rng: random.Random) -> Enrolled | None:
    """One person picks a programme of their office and enrols through their link."""
    token = await link_token(client, email)
    office, case_id = await _my_case(client, token)
    me = f"{SCHEDULING}/v1/me/{token}/programmes"
    listed = await client.get(me)
    if listed.status_code != 200:
        return None  # the link expired in scheduling's time (many demo runs moved it far on)
    open_: list[dict[str, Any]] = listed.json()["open"]
    choices = [p for p in open_ if p["office_id"] == office]
    if not choices:
        return None
    weights = [KIND_WEIGHTS.get(p["kind"], 1) for p in choices]
    programme = rng.choices(choices, weights)[0]
    answer = await client.post(f"{me}/{programme['id']}/enrol", json={"case_id": case_id})
    if answer.status_code != 201:
        return None
    return Enrolled(token, programme["id"], answer.json()["status"])


async def cancel(client: httpx.AsyncClient, enrolled: Enrolled) -> int:
    """The person cancels; how many waiting people got a seat by it."""
    url = f"{SCHEDULING}/v1/me/{enrolled.token}/programmes/{enrolled.programme_id}/cancel"
    answer = await client.post(url)
    return len(answer.json().get("promoted", [])) if answer.status_code == 200 else 0


async def enrolments(
    client: httpx.AsyncClient, emails: list[str], rng: random.Random
) -> dict[str, int]:
    """Everyone in ``emails`` tries to enrol; then about one in five seated cancels."""
    done = {"enrolled": 0, "waitlisted": 0, "cancelled": 0, "promoted": 0}
    seated = []
    for email in emails:
        enrolled = await enrol(client, email, rng)
        if enrolled is not None:
            done[enrolled.status] += 1
            if enrolled.status == "enrolled":
                seated.append(enrolled)
    # those who enrolled first are likeliest to have seats others wait for
    for enrolled in seated:
        if rng.random() < 0.2:
            done["cancelled"] += 1
            done["promoted"] += await cancel(client, enrolled)
    return done
