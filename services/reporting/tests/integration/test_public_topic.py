"""The partner topic: PII-free facts, the org number only with consent, each fact once."""

import json

from reporting_support import Reporting, Script, drained, meeting_scenario, produce, scenario

from hoppid.shared.testing import of_type, read_envelopes

ALLOWED = {
    "no.hoppid.reporting.case.opened.v1": {
        "office_id",
        "municipality",
        "municipality_name",
        "needs",
        "stage",
        "opened_on",
    },
    "no.hoppid.reporting.company.registered.v1": {
        "office_id",
        "municipality",
        "municipality_name",
        "registered_month",
        "within_12_months_of_first_contact",
        "org_number",
        "registered_on",
    },
    "no.hoppid.reporting.meeting.held.v1": {
        "office_id",
        "municipality",
        "municipality_name",
        "meeting_type",
        "held_month",
    },
}
NEVER = [
    "Kari",
    "Nordmann",
    "kari.nordmann@example.no",
    "secret-link-token",
    "person-",
    "case-",
    "HOP-",
]


async def test_partner_topic_carries_facts_and_never_personal_data(reporting: Reporting) -> None:
    stream, _ = scenario()
    s = Script()
    stream.append(s.received("case-z", "person-9", "nordveggen", "1539"))  # name, email, token
    await produce(reporting.intake_topic, stream)
    await drained(reporting.prefix, reporting.intake_topic)

    found = await read_envelopes(
        reporting.public_topic,
        lambda envelopes: len(envelopes) >= 9,  # 6 cases opened + 3 companies
        timeout=60,
    )
    envelopes = [envelope for _, envelope in found]
    assert len(of_type(envelopes, "reporting.case.opened.v1")) == 6  # duplicates published once
    companies = of_type(envelopes, "reporting.company.registered.v1")
    assert len(companies) == 3
    shared = [c for c in companies if c.data["org_number"]]
    assert [c.data["org_number"] for c in shared] == ["923609016"]  # only case A consented
    assert all(c.data["registered_on"] is None for c in companies if c not in shared)
    for record, envelope in found:
        assert set(envelope.data) <= ALLOWED[envelope.type]
        raw = (
            (record.value or b"")
            + b"".join(v or b"" for _, v in record.headers)
            + (record.key or b"")
        )
        for text in NEVER:
            assert text.encode() not in raw, (text, envelope.type)
    alesund = [e for e in envelopes if e.data.get("municipality") == "1508"]
    assert alesund and alesund[0].data["municipality_name"] == "Ålesund"
    assert json.dumps(envelopes[0].data)


async def test_a_fact_republished_keeps_its_id(reporting: Reporting) -> None:
    s = Script()
    opened = s.opened("case-q", "person-q", "molde", "1506", "2026-11-02T10:00")
    await produce(reporting.intake_topic, [opened, opened, opened])
    await drained(reporting.prefix, reporting.intake_topic)
    found = await read_envelopes(reporting.public_topic, lambda e: len(e) >= 1, timeout=60)
    assert len(found) == 1


async def test_held_meetings_become_facts_once_their_case_is_known(reporting: Reporting) -> None:
    intake, scheduling, _ = meeting_scenario()  # meetings first, duplicates among them
    await produce(reporting.scheduling_topic, scheduling)
    await drained(reporting.prefix, reporting.scheduling_topic)
    await produce(reporting.intake_topic, intake)
    await drained(reporting.prefix, reporting.intake_topic)

    found = await read_envelopes(reporting.public_topic, lambda e: len(e) >= 7, timeout=60)
    envelopes = [envelope for _, envelope in found]
    assert len(of_type(envelopes, "reporting.case.opened.v1")) == 5
    held = of_type(envelopes, "reporting.meeting.held.v1")
    assert sorted((e.subject, e.data["municipality"], e.data["held_month"]) for e in held) == [
        ("alesund", "1508", "2026-03"),
        ("nordveggen", "1539", "2026-03"),
    ]
    for record, envelope in found:
        assert set(envelope.data) <= ALLOWED[envelope.type]
        raw = (record.value or b"") + b"".join(v or b"" for _, v in record.headers)
        for text in ("person-", "case-", "adv-1", "p-x"):
            assert text.encode() not in raw, (text, envelope.type)
