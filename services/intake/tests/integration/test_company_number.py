"""A company's organisation number is the person's data (a sole proprietorship names them): it
travels sealed with the person's key, goes unreadable when they are erased, and the person can
withdraw their agreement that partners see it (issue 13)."""

from typing import Any

from intake_support import Intake, inquiry
from test_my_link import link_token

from hoppid.shared.testing import of_type, read_envelopes, vault_for_tests

ORG = "923609016"
REGISTERED = "intake.company.registered.v2"


async def registered_company(intake: Intake, database: Any) -> tuple[str, str]:
    """A person who lets partners see their company, whose company is registered: (case, token)."""
    sent = await intake.client.post(
        "/v1/inquiries", json=inquiry(1, share_company_with_partners=True)
    )
    assert sent.status_code == 201, sent.text
    case = await database["cases"].find_one({"reference": sent.json()["reference"]})
    assert case is not None
    key = {"Authorization": f"Bearer {await intake.key('nordveggen')}"}
    done = await intake.client.post(
        f"/v1/cases/{case['_id']}/company",
        headers=key,
        json={"org_number": "923 609 016", "registered_on": "2026-11-01"},
    )
    assert done.status_code == 200, done.text
    return str(case["_id"]), await link_token(intake, database, "kari1@example.no")


async def test_the_org_number_is_sealed_on_the_topic_and_unreadable_after_erasure(
    intake: Intake, database: Any
) -> None:
    case_id, token = await registered_company(intake, database)
    found = await read_envelopes(intake.topic, lambda es: len(of_type(es, REGISTERED)) == 1)
    [(record, registered)] = [(r, e) for r, e in found if e.type.endswith(REGISTERED)]
    raw = (record.value or b"") + b"".join(v or b"" for _, v in record.headers)
    assert ORG.encode() not in raw  # the raw record on hoppid.intake
    assert registered.subject == case_id
    assert registered.data["share_with_partners"] is True
    vault = vault_for_tests(database)
    assert (await vault.unseal(registered)).data["org_number"] == ORG  # reporting reads it

    assert (await intake.client.post(f"/v1/me/{token}/erasure")).status_code == 202
    assert (await vault.unseal(registered)).data["org_number"] is None  # for every reader


async def test_the_person_withdraws_partner_sharing_through_their_link(
    intake: Intake, database: Any
) -> None:
    _, token = await registered_company(intake, database)
    withdrawn = await intake.client.post(
        f"/v1/me/{token}/consent/withdraw", json={"consent": "share_company_with_partners"}
    )
    assert withdrawn.status_code == 200, withdrawn.text
    person = await database["people"].find_one({})
    assert person is not None
    assert person["consents"]["share_company_with_partners"] is False
    found = await read_envelopes(
        intake.topic, lambda es: bool(of_type(es, "intake.partner_sharing.withdrawn.v1"))
    )
    [event] = of_type([e for _, e in found], "intake.partner_sharing.withdrawn.v1")
    assert event.subject == person["_id"]
    assert event.data["person_id"] == person["_id"]
