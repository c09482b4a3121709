"""A company's organisation number on the partner topic, and its retraction (issue 13): intake
seals the number with the person's key (company.registered.v2); reporting reads it unsealed,
counts each company once by a one-way digest of it, and publishes it to partners only while the
person lets them see it. A withdrawal of that agreement, or an erasure, publishes a retraction
of every fact that carried it, and no fact about that company carries it again."""

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest
from reporting_support import (
    COUNTY,
    Reporting,
    Script,
    at,
    drained,
    produce,
    reporting_env,
    started,
)

from hoppid.contracts import intake as ev
from hoppid.shared.envelope import Envelope
from hoppid.shared.pii import PersonalDataVault
from hoppid.shared.testing import ServiceProcess, of_type, read_envelopes, vault_for_tests

COMPANY = "reporting.company.registered.v1"
RETRACTED = "reporting.company.retracted.v1"
ORG_A, ORG_B = "923609016", "914778271"


@pytest.fixture
async def reporting(topic_prefix: str, unique: str, database: Any) -> AsyncIterator[Reporting]:
    """reporting with its vault in the test's database, where the test seals the numbers."""
    env = reporting_env(topic_prefix, unique, HOPPID_VAULT_DATABASE=f"test_{unique}")
    service = ServiceProcess("reporting", env)
    try:
        await started(service)
        async with httpx.AsyncClient(base_url=service.url, timeout=30) as client:
            yield Reporting(service, client, topic_prefix, database.name)
    finally:
        await service.stop()


async def sealed_company(
    vault: PersonalDataVault, s: Script, case: str, person: str, org: str, month: str = "03"
) -> Envelope:
    """company.registered.v2 as intake publishes it: the number sealed with the person's key."""
    event = ev.CompanyRegisteredV2(
        case_id=case,
        office_id="nordveggen",
        person_id=person,
        municipality="1539",
        org_number=org,
        registered_on=date.fromisoformat(f"2026-{month}-10"),
        share_with_partners=True,
        first_contact_at=at("2026-02-02T09:00"),
    )
    envelope = s._case(event, case, "nordveggen", "1539")
    return await vault.seal(envelope, ev.CompanyRegisteredV2, person)


def withdrawn(person: str) -> Envelope:
    event = ev.PartnerSharingWithdrawn(person_id=person, withdrawn_at=at("2026-04-15T10:00"))
    return event.to_envelope(source=ev.SOURCE, subject=person)


def raw(record: Any) -> bytes:
    return (record.value or b"") + b"".join(v or b"" for _, v in record.headers) + record.key


async def test_a_withdrawal_retracts_the_fact_and_the_number_is_never_published_again(
    reporting: Reporting, database: Any
) -> None:
    vault, s = vault_for_tests(database), Script()
    first = await sealed_company(vault, s, "case-a", "person-a", ORG_A)
    other = await sealed_company(vault, s, "case-b", "person-b", ORG_B)
    intake = [s.opened("case-a", "person-a", "nordveggen", "1539", "2026-02-02T09:00")]
    intake += [s.opened("case-b", "person-b", "nordveggen", "1539", "2026-02-02T09:00")]
    await produce(reporting.intake_topic, [*intake, first, other])
    await drained(reporting.prefix, reporting.intake_topic)
    found = await read_envelopes(
        reporting.public_topic, lambda es: len(of_type(es, COMPANY)) >= 2, timeout=60
    )
    facts = {e.data["org_number"]: e for e in of_type([e for _, e in found], COMPANY)}
    assert set(facts) == {ORG_A, ORG_B}  # both agreed; the live consumer unsealed the number
    [march] = await reporting.get("/v1/figures", period="2026-03")
    rco05 = await reporting.get("/v1/figures/events", figure="rco05", period="2026-03")
    assert (march["companies_registered"], rco05["value"]) == (2, 2)

    # the person withdraws; then intake's events come again, and a second company of theirs
    # registered before the withdrawal arrives late (another case, another partition)
    late = await sealed_company(vault, s, "case-a2", "person-a", ORG_A, month="04")
    await produce(reporting.intake_topic, [withdrawn("person-a"), first, late])
    await drained(reporting.prefix, reporting.intake_topic)
    found = await read_envelopes(
        reporting.public_topic,
        lambda es: bool(of_type(es, RETRACTED)) and len(of_type(es, COMPANY)) >= 3,
        timeout=60,
    )
    envelopes = [e for _, e in found]
    [retraction] = of_type(envelopes, RETRACTED)
    assert retraction.data == {
        "office_id": "nordveggen",
        "municipality": "1539",
        "retracted_ids": [facts[ORG_A].id],
    }
    assert retraction.subject == facts[ORG_A].subject  # keyed like the fact: same partition
    assert retraction.time.isoformat() == "2026-04-14T22:00:00+00:00"  # Oslo's day, no finer
    [record] = [r for r, e in found if e.type.endswith(RETRACTED)]
    for text in (ORG_A, "person-a", "case-a"):
        assert text.encode() not in raw(record)
    companies = of_type(envelopes, COMPANY)
    assert len(companies) == 3  # the redelivered event published nothing new
    assert [e.data["registered_month"] for e in companies if e.data["org_number"] is None] == [
        "2026-04"
    ]  # the late company: a fact, but without its number and date
    assert all(e.data["registered_on"] is None for e in companies if not e.data["org_number"])
    with_a = [r for r, e in found if ORG_A.encode() in raw(r)]
    assert len(with_a) == 1  # only the fact published before the withdrawal, now retracted
    [april] = await reporting.get("/v1/figures", period="2026-04")
    assert april["companies_registered"] == 1  # still counted, by the digest of its number


async def test_an_erasure_retracts_the_facts_that_carried_the_number(
    reporting: Reporting, database: Any
) -> None:
    vault, s = vault_for_tests(database), Script()
    company = await sealed_company(vault, s, "case-c", "person-c", ORG_A)
    opened = s.opened("case-c", "person-c", "nordveggen", "1539", "2026-02-02T09:00")
    await produce(reporting.intake_topic, [opened, company])
    await drained(reporting.prefix, reporting.intake_topic)
    found = await read_envelopes(
        reporting.public_topic, lambda es: bool(of_type(es, COMPANY)), timeout=60
    )
    [fact] = of_type([e for _, e in found], COMPANY)
    assert fact.data["org_number"] == ORG_A

    await vault.destroy("person-c")  # intake's erasure: first the key, then the event
    await produce(reporting.intake_topic, [Script.erasure("person-c", ["case-c"]), company])
    await drained(reporting.prefix, reporting.intake_topic)
    found = await read_envelopes(
        reporting.public_topic, lambda es: bool(of_type(es, RETRACTED)), timeout=60
    )
    [retraction] = of_type([e for _, e in found], RETRACTED)
    assert retraction.data["retracted_ids"] == [fact.id]
    assert len(of_type([e for _, e in found], COMPANY)) == 1
    assert (await reporting.client.get("/v1/figures", headers=COUNTY)).status_code == 200
