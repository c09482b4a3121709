"""Journeys across the whole platform: four services as separate processes, real Kafka, the
real store and a real SMTP server. What a person and an office see, end to end."""

import re
from datetime import date, datetime
from typing import Any

import httpx
import icalendar
from platform_support import ADMIN_KEY, COUNTY_KEY, Platform, attachment, bearer, text_of

from hoppid.shared.testing import (
    eventually,
    of_type,
    public_inquiry,
    read_envelopes,
    vault_for_tests,
)

EMAIL = "kari.journey@example.no"


def inquiry(**changes: Any) -> dict[str, Any]:
    body = public_inquiry(
        name="Kari Journey",
        email=EMAIL,
        phone="912 34 567",
        idea="Guided ski touring from Åndalsnes",
        stage="starting",
        needs=["guidance", "application_help"],
        language="nn",
        share_company_with_partners=True,
    )
    return {**body, **changes}


async def office_ready(platform: Platform, client: httpx.AsyncClient) -> str:
    """An office-admin key of Nordveggen (issued by intake, learned by every service) and an
    advisor who holds digital meetings every day, whatever day the test runs."""
    issued = await client.post(
        f"{platform.url('intake')}/v1/offices/nordveggen/keys",
        headers=bearer(ADMIN_KEY),
        json={"role": "office_admin", "label": "journey"},
    )
    key = str(issued.json()["key"])
    scheduling = platform.url("scheduling")

    async def known() -> bool:
        return (
            await client.get(f"{scheduling}/v1/offices", headers=bearer(key))
        ).status_code == 200

    await eventually(known, what="scheduling knows intake's key")
    hours = [{"weekday": d, "start": "08:00", "end": "20:00", "place": "digital"} for d in range(7)]
    advisor = await client.post(
        f"{scheduling}/v1/offices/nordveggen/advisors",
        headers=bearer(key),
        json={
            "name": "Ingrid Rådgjevar",
            "email": "ingrid@nordveggen.example",
            "languages": ["nn", "nb"],
            "topics": ["grants"],
            "weekly_hours": hours,
        },
    )
    assert advisor.status_code == 201, advisor.text
    return key


async def mail_to(platform: Platform, address: str, count: int) -> list[Any]:
    async def arrived() -> list[Any]:
        found = platform.mailbox.to(address)
        return found if len(found) >= count else []

    return await eventually(arrived, timeout=60, what=f"{count} message(s) to {address}")


def link_token(receipt: Any) -> str:
    found = re.search(r"/me/([A-Za-z0-9_-]+)", text_of(receipt))
    assert found, "the receipt carries the person's link"
    return found.group(1)


async def confirmation_mail(platform: Platform) -> Any:
    """The meeting confirmation: the message with the calendar file (offered times come too)."""

    async def arrived() -> Any:
        with_ics = [m for m in platform.mailbox.to(EMAIL) if attachment(m, "text/calendar")]
        return with_ics[0] if with_ics else None

    return await eventually(arrived, timeout=60, what="a confirmation with ICS")


async def book_through_link(platform: Platform, client: httpx.AsyncClient, token: str) -> Any:
    me = f"{platform.url('scheduling')}/v1/me/{token}"

    async def offered() -> list[Any]:
        response = await client.get(f"{me}/meetings")
        offers = response.json()["offers"] if response.status_code == 200 else []
        return offers[0]["slots"] if offers and offers[0]["slots"] else []

    slots = await eventually(offered, timeout=60, what="times offered for the new case")
    case_id = (await client.get(f"{me}/meetings")).json()["offers"][0]["case_id"]
    booked = await client.post(
        f"{me}/bookings", json={"case_id": case_id, "start": slots[0]["start"]}
    )
    assert booked.status_code == 201, booked.text
    return booked.json()


async def test_inquiry_to_company_registered_across_every_service(platform: Platform) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        key = await office_ready(platform, client)
        sent = await client.post(f"{platform.url('intake')}/v1/inquiries", json=inquiry())
        assert sent.status_code == 201
        reference = sent.json()["reference"]

        receipt = (await mail_to(platform, EMAIL, 1))[0]
        assert reference in text_of(receipt)
        assert "Nordveggen" in str(receipt["From"])
        booking = await book_through_link(platform, client, link_token(receipt))

        confirmed = await confirmation_mail(platform)
        ics = attachment(confirmed, "text/calendar") or ""
        assert f"UID:{booking['id']}" in ics.replace("\r\n ", "")
        (event,) = icalendar.Calendar.from_ical(ics).walk("VEVENT")
        assert event.decoded("DTSTART") == datetime.fromisoformat(booking["start"])

        # the office works the case and the person registers a company
        intake = platform.url("intake")
        case = (await client.get(f"{intake}/v1/cases", headers=bearer(key))).json()[0]
        for status in ("contacted", "in_guidance"):
            await client.post(
                f"{intake}/v1/cases/{case['id']}/status",
                headers=bearer(key),
                json={"status": status},
            )
        company = await client.post(
            f"{intake}/v1/cases/{case['id']}/company",
            headers=bearer(key),
            json={"org_number": "923609016", "registered_on": date.today().isoformat()},
        )
        assert company.status_code == 200, company.text

        async def figures() -> Any:
            response = await client.get(
                f"{platform.url('reporting')}/v1/figures",
                params={"office": "nordveggen"},
                headers=bearer(COUNTY_KEY),
            )
            rows = response.json() if response.status_code == 200 else []
            return rows[0] if rows and rows[0].get("companies_registered") == 1 else None

        counted = await eventually(figures, timeout=60, what="the company in reporting's figures")
        assert counted["inquiries"] == 1

    public = await read_envelopes(
        f"{platform.prefix}hoppid.public",
        lambda es: any("923609016" in str(e.data) for e in es),
        timeout=60,
    )
    for record, _ in public:
        assert b"Kari" not in record.value and EMAIL.encode() not in record.value
        assert reference.encode() not in record.value


async def test_erasure_reaches_every_store_and_the_topics_while_counts_stay(
    platform: Platform, mongo: Any
) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        await office_ready(platform, client)
        await client.post(f"{platform.url('intake')}/v1/inquiries", json=inquiry())
        token = link_token((await mail_to(platform, EMAIL, 1))[0])
        booking = await book_through_link(platform, client, token)
        await confirmation_mail(platform)  # notifications holds the address by now

        erased = await client.post(f"{platform.url('intake')}/v1/me/{token}/erasure")
        assert erased.status_code == 202

        async def link_refused_by_scheduling() -> bool:
            response = await client.get(f"{platform.url('scheduling')}/v1/me/{token}/meetings")
            return response.status_code == 401

        await eventually(link_refused_by_scheduling, timeout=60, what="scheduling honours erasure")

        async def meeting_cancelled() -> bool:
            db = mongo[f"test_{platform.unique}_scheduling"]
            stored = await db["bookings"].find_one({"_id": booking["id"]})
            return bool(stored and stored["status"] == "cancelled")

        await eventually(meeting_cancelled, what="the erased person's meeting cancelled")

        async def notifications_forgot() -> bool:
            db = mongo[f"test_{platform.unique}_notifications"]
            for name in await db.list_collection_names():
                async for document in db[name].find({}):
                    if "kari" in str(document).lower():
                        return False
            return True

        await eventually(notifications_forgot, timeout=60, what="notifications scrubbed")

        async def figures() -> Any:
            response = await client.get(
                f"{platform.url('reporting')}/v1/figures",
                params={"office": "nordveggen"},
                headers=bearer(COUNTY_KEY),
            )
            rows = response.json() if response.status_code == 200 else []
            return rows[0] if rows else None

        assert (await eventually(figures, what="figures"))["inquiries"] == 1  # counts stay

    intake_db = mongo[f"test_{platform.unique}_intake"]
    for name in ("people", "cases"):
        async for document in intake_db[name].find({}):
            assert "kari" not in str(document).lower(), name
    found = await read_envelopes(
        f"{platform.prefix}hoppid.intake",
        lambda es: bool(of_type(es, "intake.erasure.completed.v1")),
    )
    vault = vault_for_tests(mongo[f"test_{platform.unique}_vault"])
    for record, envelope in found:
        assert EMAIL.encode() not in record.value and b"Kari" not in record.value
        opened = await vault.unseal(envelope)
        assert EMAIL not in str(opened.data)  # what the topic holds is unreadable now


async def test_services_killed_mid_journey_lose_and_double_nothing(platform: Platform) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        await office_ready(platform, client)
        await platform.services["notifications"].kill()  # down when the inquiry arrives
        sent = await client.post(f"{platform.url('intake')}/v1/inquiries", json=inquiry())
        assert sent.status_code == 201
        await platform.services["intake"].kill()  # and intake dies right after answering
        await platform.start("intake")
        await platform.start("notifications")
        receipt = (await mail_to(platform, EMAIL, 1))[0]

        await platform.services["scheduling"].kill()
        await platform.start("scheduling")
        await book_through_link(platform, client, link_token(receipt))
        await confirmation_mail(platform)
        again = await client.post(f"{platform.url('intake')}/v1/inquiries", json=inquiry())
        assert again.status_code == 200  # the same person, the same idea, the same day: one case
        assert again.json()["reference"] == sent.json()["reference"]

    messages = platform.mailbox.to(EMAIL)
    subjects = [str(m["Subject"]) for m in messages]
    with_ics = [m for m in messages if attachment(m, "text/calendar")]
    assert len(with_ics) == 1, subjects  # one confirmation
    receipts = [m for m in messages if sent.json()["reference"] in str(m["Subject"])]
    assert len(receipts) == 1, subjects  # one receipt, though intake's events may come twice
