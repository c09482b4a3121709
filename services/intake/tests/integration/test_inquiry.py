"""The public inquiry, through the real HTTP interface, with its events on the real topic."""

from typing import Any

from intake_support import Intake, inquiry

from hoppid.shared.testing import of_type, read_envelopes, vault_for_tests


async def test_inquiry_publishes_received_then_opened_in_order_on_the_case_key(
    intake: Intake, database: Any
) -> None:
    response = await intake.client.post("/v1/inquiries", json=inquiry())
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["reference"].startswith("HOP-")
    assert body["office"]["id"] == "nordveggen"  # Rauma, 1539
    assert "e-post" in body["next_steps"]
    case = await database["cases"].find_one({"reference": body["reference"]})
    assert case is not None

    found = await read_envelopes(
        intake.topic, lambda es: len(of_type(es, "intake.case.opened.v1")) == 1
    )
    mine = [(r, e) for r, e in found if e.subject == case["_id"]]
    assert [e.type for _, e in mine] == [
        "no.hoppid.intake.inquiry.received.v1",
        "no.hoppid.intake.case.opened.v1",
    ]
    assert {r.key for r, _ in mine} == {case["_id"].encode()}
    assert len({r.partition for r, _ in mine}) == 1
    assert mine[0][0].offset < mine[1][0].offset
    received, opened = mine[0][1], mine[1][1]
    assert received.office == opened.office == "nordveggen"
    assert received.municipality == "1539"
    assert b"kari1@example.no" not in mine[0][0].value  # sealed with the person's key
    unsealed = await vault_for_tests(database).unseal(received)
    assert unsealed.data["email"] == "kari1@example.no"
    assert unsealed.data["name"] == "Kari Nordmann"
    assert unsealed.data["case_link_token"]
    assert "email" not in opened.data and "name" not in opened.data
    assert "idea" not in received.data and "idea" not in opened.data  # free text stays home
    assert opened.data["first_case_of_person"] is True


async def test_retries_and_same_day_duplicates_are_one_case(intake: Intake, database: Any) -> None:
    headers = {"Idempotency-Key": "form-submit-7"}
    first = await intake.client.post("/v1/inquiries", json=inquiry(), headers=headers)
    retried = await intake.client.post("/v1/inquiries", json=inquiry(), headers=headers)
    resent = await intake.client.post(
        "/v1/inquiries", json=inquiry(idea="  GUIDED climbs of Romsdalseggen,  plan 1 ")
    )
    assert (first.status_code, retried.status_code, resent.status_code) == (201, 200, 200)
    assert first.json()["reference"] == retried.json()["reference"] == resent.json()["reference"]
    assert await database["cases"].count_documents({}) == 1


async def test_a_new_key_on_a_same_day_duplicate_stands_for_that_case(
    intake: Intake, database: Any
) -> None:
    first = await intake.client.post(
        "/v1/inquiries", json=inquiry(), headers={"Idempotency-Key": "a"}
    )
    other_key = {"Idempotency-Key": "b"}
    duplicate = await intake.client.post("/v1/inquiries", json=inquiry(), headers=other_key)
    # the key claimed beside the duplicate's claim now names the same case, whatever the body
    retried = await intake.client.post(
        "/v1/inquiries", json=inquiry(idea="Something else"), headers=other_key
    )
    assert (first.status_code, duplicate.status_code, retried.status_code) == (201, 200, 200)
    assert len({r.json()["reference"] for r in (first, duplicate, retried)}) == 1
    assert await database["cases"].count_documents({}) == 1


async def test_a_known_address_opens_a_case_but_never_changes_the_person(
    intake: Intake, database: Any
) -> None:
    """Whoever knows an address must not rename the person, re-grant a withdrawn consent or
    share their company with partners through the public form (issue 13): a new inquiry for a
    known email opens a case; the person changes only through their own link."""
    first = await intake.client.post("/v1/inquiries", json=inquiry(phone="912 34 567"))
    person = await database["people"].find_one({})
    assert person is not None
    changed = inquiry(
        name="Mallory",
        phone="400 00 000",
        idea="A second idea",
        language="en",
        consent_newsletter=True,
        share_company_with_partners=True,
    )
    second = await intake.client.post("/v1/inquiries", json=changed)
    assert (first.status_code, second.status_code) == (201, 201)
    assert await database["people"].count_documents({}) == 1
    after = await database["people"].find_one({})
    assert after == person  # nothing changed, the consents included
    assert await database["cases"].count_documents({"person_id": person["_id"]}) == 2

    found = await read_envelopes(
        intake.topic, lambda es: len(of_type(es, "intake.case.opened.v1")) == 2
    )
    opened = of_type([e for _, e in found], "intake.case.opened.v1")
    firsts = {e.data["reference"]: e.data["first_case_of_person"] for e in opened}
    assert firsts == {first.json()["reference"]: True, second.json()["reference"]: False}
    # the receipt of the second case greets the person by their own name, in their language
    vault = vault_for_tests(database)
    received = [
        await vault.unseal(e)
        for e in of_type([e for _, e in found], "intake.inquiry.received.v1")
        if e.data["reference"] == second.json()["reference"]
    ]
    assert [(r.data["name"], r.data["language"]) for r in received] == [("Kari Nordmann", "nb")]


async def test_one_person_many_cases_across_offices(intake: Intake, database: Any) -> None:
    first = await intake.client.post("/v1/inquiries", json=inquiry(email="Ola@Example.no"))
    other_idea = inquiry(email="ola@example.no", idea="A bakery", municipality="1506")
    second = await intake.client.post("/v1/inquiries", json=other_idea)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json()["office"]["id"] == "molde"
    assert await database["people"].count_documents({}) == 1
    person = await database["people"].find_one({})
    assert person is not None
    assert person["email"] == "ola@example.no"
    cases = [c async for c in database["cases"].find({}, {"person_id": 1, "office_id": 1})]
    assert {c["person_id"] for c in cases} == {person["_id"]}
    assert {c["office_id"] for c in cases} == {"nordveggen", "molde"}


async def test_phone_is_normalised_to_plus_47(intake: Intake, database: Any) -> None:
    await intake.client.post("/v1/inquiries", json=inquiry(phone="0047 912-34-567"))
    person = await database["people"].find_one({})
    assert person is not None
    assert person["phone"] == "+4791234567"


async def test_bad_input_is_a_problem_naming_the_field_and_nothing_is_written(
    intake: Intake, database: Any
) -> None:
    bad = await intake.client.post(
        "/v1/inquiries", json=inquiry(email="not-an-email", needs=[], consent_processing=False)
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert {e["field"] for e in bad.json()["errors"]} == {"email", "needs", "consent_processing"}

    unknown = await intake.client.post("/v1/inquiries", json=inquiry(municipality="0301"))
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "municipality"
    assert "1539" in unknown.json()["detail"]  # a hint of what a valid number looks like

    phone = await intake.client.post("/v1/inquiries", json=inquiry(phone="123"))
    assert phone.status_code == 422
    assert phone.json()["errors"][0]["field"] == "phone"

    stale = await intake.client.post("/v1/inquiries", json=inquiry(consent_text_version="1999"))
    assert stale.status_code == 422
    assert stale.json()["errors"][0]["field"] == "consent_text_version"

    huge = await intake.client.post("/v1/inquiries", json=inquiry(idea="x" * 100_000))
    assert huge.status_code == 413
    assert await database["cases"].count_documents({}) == 0
    assert await database["people"].count_documents({}) == 0
