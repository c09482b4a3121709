"""The entrepreneur's own link: see, export, correct, withdraw consent, erase."""

from typing import Any

from intake_support import Intake, inquiry

from hoppid.shared.clock import real_now
from hoppid.shared.envelope import Envelope
from hoppid.shared.links import PREFERENCES, narrowed_link
from hoppid.shared.testing import TEST_LINK_SECRET, of_type, read_envelopes, vault_for_tests


async def received_events(intake: Intake, database: Any, count: int) -> list[Envelope]:
    """The inquiry-received events as a consumer reads them: unsealed with the person's key."""
    found = await read_envelopes(
        intake.topic, lambda es: len(of_type(es, "intake.inquiry.received.v1")) >= count
    )
    vault = vault_for_tests(database)
    received = of_type([e for _, e in found], "intake.inquiry.received.v1")
    return [await vault.unseal(e) for e in received]


async def link_token(intake: Intake, database: Any, email: str, count: int = 1) -> str:
    """The token as notifications will get it: from the inquiry-received event."""
    events = await received_events(intake, database, count)
    return next(str(e.data["case_link_token"]) for e in events if e.data["email"] == email)


async def test_a_person_sees_exports_corrects_and_erases_their_data(
    intake: Intake, database: Any
) -> None:
    await intake.client.post("/v1/inquiries", json=inquiry(1))
    await intake.client.post(
        "/v1/inquiries", json=inquiry(1, idea="Second idea", municipality="1506")
    )
    token = await link_token(intake, database, "kari1@example.no", count=2)
    me = f"/v1/me/{token}"

    overview = (await intake.client.get(me)).json()
    assert overview["name"] == "Kari Nordmann"
    assert len(overview["cases"]) == 2
    export = await intake.client.get(f"{me}/export")
    assert "attachment" in export.headers["content-disposition"]
    assert export.json()["person"]["email"] == "kari1@example.no"
    assert {c["idea"] for c in export.json()["cases"]} >= {"Second idea"}

    corrected = await intake.client.patch(
        me, json={"name": "Kari N. Nordmann", "phone": "98765432"}
    )
    assert corrected.json()["phone"] == "+4798765432"
    bad = await intake.client.patch(me, json={"phone": "12"})
    assert bad.json()["errors"][0]["field"] == "phone"
    withdrawn = await intake.client.post(f"{me}/consent/withdraw", json={"consent": "newsletter"})
    assert withdrawn.status_code == 200

    erased = await intake.client.post(f"{me}/erasure")
    assert erased.status_code == 202
    person = await database["people"].find_one({})
    assert person is not None
    assert (person["name"], person["phone"]) == (None, None)
    assert "kari" not in person["email"]
    async for case in database["cases"].find({}):
        assert case["idea"] is None
        assert case["office_id"] in {"nordveggen", "molde"}  # the counts survive
    assert "Kari" not in str([d async for d in database["people"].find({})])
    assert (await intake.client.get(me)).status_code == 401  # the link is revoked

    found = await read_envelopes(
        intake.topic, lambda es: bool(of_type(es, "intake.erasure.completed.v1"))
    )
    requested = of_type([e for _, e in found], "intake.erasure.requested.v1")
    assert len(requested) == 1
    assert requested[0].subject == person["_id"]
    assert len(requested[0].data["case_ids"]) == 2
    assert (
        of_type([e for _, e in found], "intake.consent.withdrawn.v1")[0].data["consent"]
        == "newsletter"
    )
    # what the topic still holds about her is unreadable now: her key is destroyed
    for record, _ in found:
        assert b"kari1@example.no" not in record.value and b"Kari" not in record.value
    for after in await received_events(intake, database, count=2):
        assert (after.data["name"], after.data["email"], after.data["case_link_token"]) == (
            None,
            None,
            None,
        )


async def test_withdrawing_the_consent_to_processing_by_the_api_is_an_erasure(
    intake: Intake, database: Any
) -> None:
    await intake.client.post("/v1/inquiries", json=inquiry(3))
    me = f"/v1/me/{await link_token(intake, database, 'kari3@example.no')}"
    newsletter = await intake.client.post(f"{me}/consent/withdraw", json={"consent": "newsletter"})
    assert newsletter.json() == {"withdrawn": "newsletter", "effect": "recorded"}
    assert (await intake.client.get(me)).status_code == 200

    withdrawn = await intake.client.post(f"{me}/consent/withdraw", json={"consent": "processing"})
    assert withdrawn.json() == {"withdrawn": "processing", "effect": "erased"}
    assert (await intake.client.get(me)).status_code == 401  # the link is revoked
    person = await database["people"].find_one({})
    assert person["name"] is None and "kari" not in person["email"]
    found = await read_envelopes(
        intake.topic, lambda es: bool(of_type(es, "intake.erasure.completed.v1"))
    )
    assert [
        e.data["consent"] for e in of_type([e for _, e in found], "intake.consent.withdrawn.v1")
    ] == [
        "newsletter"
    ]  # processing's withdrawal is the erasure: notifications confirms that one, not two


async def test_a_forged_or_foreign_link_opens_nothing(intake: Intake, database: Any) -> None:
    await intake.client.post("/v1/inquiries", json=inquiry(2))
    token = await link_token(intake, database, "kari2@example.no")
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for bad in (forged, "not-a-token", token + "x"):
        response = await intake.client.get(f"/v1/me/{bad}")
        assert response.status_code == 401
        assert "Kari" not in response.text


async def test_the_preferences_link_of_an_email_footer_opens_nothing_here(
    intake: Intake, database: Any
) -> None:
    """Every email's footer carries a link for the message preferences only: forwarded, it
    must not show, export, correct or erase the person's data."""
    await intake.client.post("/v1/inquiries", json=inquiry(3))
    token = await link_token(intake, database, "kari3@example.no")
    footer = narrowed_link(TEST_LINK_SECRET, token, real_now(), PREFERENCES)
    assert footer is not None
    me = f"/v1/me/{footer}"
    assert (await intake.client.get(me)).status_code == 401
    assert (await intake.client.get(f"{me}/export")).status_code == 401
    assert (await intake.client.patch(me, json={"name": "Someone Else"})).status_code == 401
    assert (await intake.client.post(f"{me}/erasure")).status_code == 401
    assert (await intake.client.get(f"/v1/me/{token}")).json()["name"] == "Kari Nordmann"


async def test_a_correction_is_published_sealed_with_the_values_as_they_are_now(
    intake: Intake, database: Any
) -> None:
    await intake.client.post("/v1/inquiries", json=inquiry(4))
    token = await link_token(intake, database, "kari4@example.no")
    me = f"/v1/me/{token}"
    first = await intake.client.patch(me, json={"language": "en"})
    assert first.status_code == 200, first.text
    second = await intake.client.patch(me, json={"name": "Kari Fjell", "language": "en"})
    assert second.json() == {"name": "Kari Fjell", "phone": "+4791234567", "language": "en"}
    same = await intake.client.patch(me, json={"name": "Kari Fjell"})  # nothing changes
    assert same.status_code == 200

    found = await read_envelopes(
        intake.topic, lambda es: len(of_type(es, "intake.person.corrected.v1")) >= 2
    )
    corrections = of_type([e for _, e in found], "intake.person.corrected.v1")
    for record, envelope in found:
        if envelope.type.endswith("person.corrected.v1"):
            assert b"Kari Fjell" not in record.value and b"91234567" not in record.value
    vault = vault_for_tests(database)
    opened = [(await vault.unseal(e)).data for e in corrections]
    person = opened[0]["person_id"]
    assert [e.subject for e in corrections] == [person, person]
    assert [(o["corrected"], o["name"], o["language"]) for o in opened] == [
        (["language"], "Kari Nordmann", "en"),
        (["name"], "Kari Fjell", "en"),
    ]
    assert opened[1]["phone"] == "+4791234567"
    assert opened[0]["corrected_at"] < opened[1]["corrected_at"]
