"""Two processes of every service on one store and one broker (issue 12): each pair shares its
database, consumer groups and topics, as two replicas of a deployment do. Inquiries come in
through both intakes, bookings race for one slot through both schedulings, both reminder
pollers and both outbox relays run, both notifications deliver: nothing is lost, doubled or
double-booked.

An event may be published twice with the same CloudEvents id (at least once: a relay that loses
the race for a pending entry publishes it again); consumers drop such a repeat by its id, so the
checks below count events by id, and a second event *made* for one fact would have its own id.
"""

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from platform_support import (
    ADMIN_KEY,
    COUNTY_KEY,
    SERVICES,
    Mailbox,
    Platform,
    attachment,
    bearer,
    start_smtp,
    started_and_ready,
    text_of,
)

from hoppid.shared.clock import real_now
from hoppid.shared.testing import (
    ServiceProcess,
    eventually,
    of_type,
    public_inquiry,
    read_envelopes,
)

PEOPLE = 12
DOMAIN_EVENTS = {"intake": "intake.case.opened.v1", "scheduling": "scheduling.meeting.booked.v1"}


class TwoOfEach(Platform):
    """The journeys' platform with a second process of each service, same settings."""

    second: dict[str, ServiceProcess]

    def __init__(self, *args: Any, clock_file: Path, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clock_file = clock_file
        self.second = {}

    def env(self, name: str) -> dict[str, str]:
        return {**super().env(name), "HOPPID_SCHEDULING_DEV_CLOCK_FILE": str(self.clock_file)}

    async def start_both(self, name: str) -> None:
        await self.start(name)
        self.second[name] = await started_and_ready(ServiceProcess(name, self.env(name)))

    def urls(self, name: str) -> tuple[str, str]:
        return self.url(name), self.second[name].url

    async def stop(self) -> None:
        await asyncio.gather(*(s.stop() for s in self.second.values()))
        await super().stop()

    def logs(self) -> str:
        return "\n".join(s.log_text() for s in (*self.services.values(), *self.second.values()))


@pytest.fixture
async def two(
    topic_prefix: str, unique: str, mongo: Any, tmp_path: Path
) -> AsyncIterator[TwoOfEach]:
    mailbox = Mailbox()
    controller, port = start_smtp(mailbox)
    clock_file = tmp_path / "scheduling-clock"
    clock_file.write_text("0")
    platform = TwoOfEach(topic_prefix, unique, mailbox, port, clock_file=clock_file)
    try:
        for name in SERVICES:
            await platform.start_both(name)
        yield platform
    finally:
        await platform.stop_and_drop(mongo)
        controller.stop()


def inquiry(n: int) -> dict[str, Any]:
    return public_inquiry(
        name=f"Person {n}", email=f"person{n}@example.no", idea=f"Idea number {n}"
    )


async def office_key(two: TwoOfEach, client: httpx.AsyncClient) -> str:
    """A Nordveggen office key issued through one intake, known to both schedulings, and an
    advisor who holds digital meetings every day, whatever day the test runs."""
    issued = await client.post(
        f"{two.url('intake')}/v1/offices/nordveggen/keys",
        headers=bearer(ADMIN_KEY),
        json={"role": "office_admin", "label": "two instances"},
    )
    key = str(issued.json()["key"])

    async def known_to_both() -> bool:
        answers = [
            await client.get(f"{url}/v1/offices", headers=bearer(key))
            for url in two.urls("scheduling")
        ]
        return all(answer.status_code == 200 for answer in answers)

    await eventually(known_to_both, what="both schedulings know intake's key")
    hours = [{"weekday": d, "start": "08:00", "end": "20:00", "place": "digital"} for d in range(7)]
    advisor = await client.post(
        f"{two.urls('scheduling')[1]}/v1/offices/nordveggen/advisors",
        headers=bearer(key),
        json={
            "name": "Ola Rådgiver",
            "email": "ola@nordveggen.example",
            "languages": ["nb"],
            "topics": ["grants"],
            "weekly_hours": hours,
        },
    )
    assert advisor.status_code == 201, advisor.text
    return key


def token_of(receipt: Any) -> str:
    found = re.search(r"/me/([A-Za-z0-9_-]+)", text_of(receipt))
    assert found, "the receipt carries the person's link"
    return found.group(1)


async def the_same_slot_for_everyone(
    two: TwoOfEach, client: httpx.AsyncClient, tokens: list[str]
) -> tuple[list[str], str]:
    """Each case's id and the latest time offered to all of them (the latest: far enough ahead
    that its reminders are still to come, whatever the hour the test runs)."""
    cases: list[str] = []
    offered: list[set[str]] = []
    for n, token in enumerate(tokens):
        me = f"{two.urls('scheduling')[n % 2]}/v1/me/{token}/meetings"

        async def offers(me: str = me) -> Any:
            response = await client.get(me)
            found = response.json()["offers"] if response.status_code == 200 else []
            return found[0] if found and found[0]["slots"] else None

        offer = await eventually(offers, timeout=120, what="times offered")
        cases.append(offer["case_id"])
        offered.append({slot["start"] for slot in offer["slots"]})
    common = set.intersection(*offered)
    assert common, "one advisor, one office: the same times are offered to each case"
    return cases, max(common)


async def test_two_of_every_service_lose_double_and_double_book_nothing(
    two: TwoOfEach, mongo: Any
) -> None:
    intakes = two.urls("intake")
    async with httpx.AsyncClient(timeout=60) as client:
        key = await office_key(two, client)

        # inquiries through both intakes at once
        answers = await asyncio.gather(
            *(client.post(f"{intakes[n % 2]}/v1/inquiries", json=inquiry(n)) for n in range(PEOPLE))
        )
        assert [a.status_code for a in answers] == [201] * PEOPLE, [a.text for a in answers]

        async def every_receipt() -> bool:
            return all(two.mailbox.to(f"person{n}@example.no") for n in range(PEOPLE))

        await eventually(every_receipt, timeout=180, what="a receipt for every inquiry")

        # everyone books the same time, through both schedulings at once: one gets it
        tokens = [token_of(two.mailbox.to(f"person{n}@example.no")[0]) for n in range(PEOPLE)]
        cases, start = await the_same_slot_for_everyone(two, client, tokens)
        tries = await asyncio.gather(
            *(
                client.post(
                    f"{two.urls('scheduling')[n % 2]}/v1/me/{token}/bookings",
                    json={"case_id": cases[n], "start": start},
                )
                for n, token in enumerate(tokens)
            )
        )
        codes = Counter(t.status_code for t in tries)
        assert codes[201] == 1, [t.text for t in tries]
        assert codes[409] == PEOPLE - 1, [t.text for t in tries]
        winner = next(n for n, t in enumerate(tries) if t.status_code == 201)
        booking = tries[winner].json()
        scheduling_db = mongo[f"test_{two.unique}_scheduling"]
        planned = (await scheduling_db["bookings"].find_one({"_id": booking["id"]}))["reminders"]
        assert planned, "the meeting is far enough ahead to have reminders to come"

        # the clock of both schedulings moves to an hour before the meeting: both reminder
        # pollers find it due, and each reminder is made once
        ahead = datetime.fromisoformat(start) - timedelta(hours=1) - real_now()
        two.clock_file.write_text(str(ahead.total_seconds()))
        scheduling_topic = f"{two.prefix}hoppid.scheduling"

        def reminders(envelopes: list[Any]) -> list[Any]:
            due = of_type(envelopes, "scheduling.reminder.due.v1")
            return [e for e in due if e.data.get("booking_id") == booking["id"]]

        await read_envelopes(
            scheduling_topic, lambda es: len(reminders(es)) >= len(planned), timeout=120
        )
        await asyncio.sleep(3)  # more passes of both pollers: nothing more may come

        async def figures(url: str) -> Any:
            response = await client.get(
                f"{url}/v1/figures", params={"office": "nordveggen"}, headers=bearer(COUNTY_KEY)
            )
            rows = response.json() if response.status_code == 200 else []
            if rows and rows[0].get("inquiries") == PEOPLE:
                return rows[0]
            # an exception, not None, so a timeout says what was counted
            raise LookupError(f"{url} answered {response.status_code}: {rows[:1]}")

        for url in two.urls("reporting"):
            await eventually(lambda url=url: figures(url), timeout=120, what="figures counted")
        await asyncio.sleep(2)  # any late double would show now
        counted = [await figures(url) for url in two.urls("reporting")]
        assert all(row["inquiries"] == PEOPLE for row in counted), counted
        office_cases = await client.get(f"{intakes[1]}/v1/cases", headers=bearer(key))
        assert len(office_cases.json()) == PEOPLE

    # one receipt per person, one confirmation (to the winner), one booking in the store
    for n in range(PEOPLE):
        messages = two.mailbox.to(f"person{n}@example.no")
        reference = answers[n].json()["reference"]
        receipts = [m for m in messages if reference in str(m["Subject"])]
        assert len(receipts) == 1, [str(m["Subject"]) for m in messages]
        confirmations = [m for m in messages if attachment(m, "text/calendar")]
        assert len(confirmations) == (1 if n == winner else 0)
    assert await scheduling_db["bookings"].count_documents({"status": "booked"}) == 1

    # each fact made once: one case.opened per case, one meeting.booked, one reminder each
    found = await read_envelopes(
        f"{two.prefix}hoppid.intake",
        lambda es: len(of_type(es, DOMAIN_EVENTS["intake"])) >= PEOPLE,
    )
    opened = of_type([e for _, e in found], DOMAIN_EVENTS["intake"])
    assert len({e.id for e in opened}) == PEOPLE
    assert len({e.data["case_id"] for e in opened}) == PEOPLE
    found = await read_envelopes(
        scheduling_topic,
        lambda es: (
            len(reminders(es)) >= len(planned) and bool(of_type(es, DOMAIN_EVENTS["scheduling"]))
        ),
    )
    scheduled = [e for _, e in found]
    assert len({e.id for e in of_type(scheduled, DOMAIN_EVENTS["scheduling"])}) == 1
    kinds = Counter(e.data["kind"] for e in {e.id: e for e in reminders(scheduled)}.values())
    assert kinds == Counter(planned), kinds
    assert "Traceback" not in two.logs()
