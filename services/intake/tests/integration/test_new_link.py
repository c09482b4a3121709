"""A new link by email (``POST /v1/links``, ``/pages/link``): the same answer for every
address, the work done afterwards, a link only for a known, not erased person, to the address
intake holds; rate limits per client and per address. The mail itself: tests/journeys/
test_new_link.py."""

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from intake_support import Intake, inquiry, running_intake
from test_my_link import link_token

from hoppid.shared.envelope import Envelope
from hoppid.shared.testing import (
    eventually,
    of_type,
    read_envelopes,
    vault_for_tests,
)

ISSUED = "intake.link.issued.v1"


@pytest.fixture
async def limited(topic_prefix: str, unique: str, database: Any) -> AsyncIterator[Intake]:
    """intake with small link-request limits and plain-http cookies (pages over loopback)."""
    env = {
        "HOPPID_COOKIE_SECURE": "false",
        "HOPPID_INTAKE_LINK_REQUESTS_PER_HOUR": "6",
        "HOPPID_INTAKE_LINK_REQUESTS_PER_ADDRESS_PER_HOUR": "2",
    }
    async with running_intake(topic_prefix, unique, database, **env) as intake:
        yield intake


async def issued(intake: Intake, database: Any, count: int) -> list[Envelope]:
    """The link-issued events, unsealed as notifications reads them."""
    found = await read_envelopes(intake.topic, lambda es: len(of_type(es, ISSUED)) >= count)
    vault = vault_for_tests(database)
    for record, envelope in found:
        if envelope.type.endswith(ISSUED):
            assert b"@example.no" not in record.value  # the address and token are sealed
    return [await vault.unseal(e) for e in of_type([e for _, e in found], ISSUED)]


async def drained(database: Any) -> None:
    async def empty() -> bool:
        return await database["link_requests"].count_documents({}) == 0

    await eventually(empty, what="every link request handled and dropped")


async def test_the_same_answer_for_any_address_and_a_link_only_for_a_known_one(
    intake: Intake, database: Any
) -> None:
    await intake.client.post("/v1/inquiries", json=inquiry(11, language="nn"))
    await intake.client.post("/v1/inquiries", json=inquiry(12))
    erased_token = await link_token(intake, database, "kari12@example.no", count=2)
    assert (await intake.client.post(f"/v1/me/{erased_token}/erasure")).status_code == 202

    answers = [
        await intake.client.post("/v1/links", json={"email": email, "language": "en"})
        for email in ("nobody@example.no", "kari12@example.no", " KARI11@Example.NO ")
    ]
    assert [a.status_code for a in answers] == [202, 202, 202]
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert answers[0].json()["status"] == "accepted"
    assert len({a.headers["content-length"] for a in answers}) == 1

    (link,) = await issued(intake, database, 1)  # only for the known, not erased person
    await drained(database)  # the unknown and the erased address were handled before it
    assert link.data["email"] == "kari11@example.no"  # the stored address, as stored
    assert (link.data["name"], link.data["language"]) == ("Kari Nordmann", "nn")
    assert link.data["office_id"] == "nordveggen"
    assert link.subject == link.data["person_id"]
    me = await intake.client.get(f"/v1/me/{link.data['link_token']}")
    assert me.status_code == 200 and me.json()["name"] == "Kari Nordmann"
    assert await database["link_requests"].count_documents({}) == 0  # no address kept


async def test_bad_input_is_a_problem_naming_the_field(intake: Intake) -> None:
    bad = await intake.client.post("/v1/links", json={"email": "not-an-address"})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["errors"][0]["field"] == "email"
    extra = await intake.client.post("/v1/links", json={"email": "a@example.no", "to": "b@x.no"})
    assert extra.status_code == 422  # no second address can ride along


async def test_rate_limited_per_address_and_per_client(limited: Intake) -> None:
    client = limited.client
    for _ in range(2):
        assert (
            await client.post("/v1/links", json={"email": "same@example.no"})
        ).status_code == 202
    third = await client.post("/v1/links", json={"email": "same@example.no"})
    assert third.status_code == 429
    assert third.headers["content-type"].startswith("application/problem+json")
    assert third.json()["status"] == 429 and "Retry-After" in third.headers
    # the client has sent three; three more addresses reach its limit of six
    for n in range(3):
        answer = await client.post("/v1/links", json={"email": f"other{n}@example.no"})
        assert answer.status_code == 202
    refused = await client.post("/v1/links", json={"email": "fresh@example.no"})
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")


async def test_the_page_asks_for_the_address_and_answers_the_same_way(
    limited: Intake, database: Any
) -> None:
    client = limited.client
    page = await client.get("/pages/link", params={"lang": "en"})
    assert page.status_code == 200 and "Get a new link" in page.text
    csrf = re.search(r'name="csrf" value="([^"]*)"', page.text)
    assert csrf
    bad = await client.post("/pages/link?lang=en", data={"csrf": csrf.group(1), "email": "x"})
    assert bad.status_code == 422 and "has-error" in bad.text and "valid email" in bad.text
    answers = [
        await client.post("/pages/link?lang=nn", data={"csrf": csrf.group(1), "email": email})
        for email in ("ukjend@example.no", "kari1@example.no")
    ]
    assert [a.status_code for a in answers] == [303, 303]
    assert answers[0].headers["location"] == answers[1].headers["location"]
    sent = await client.get(answers[0].headers["location"], params={"lang": "nn"})
    assert sent.status_code == 200 and "sender vi ei ny lenkje" in sent.text
    await drained(database)
    for _ in range(2):  # the page shares the API's limit: two per address
        await client.post("/pages/link", data={"csrf": csrf.group(1), "email": "kari1@example.no"})
    too_many = await client.post(
        "/pages/link?lang=en", data={"csrf": csrf.group(1), "email": "kari1@example.no"}
    )
    assert too_many.status_code == 429 and "Too many new links" in too_many.text
