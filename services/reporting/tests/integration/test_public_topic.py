"""The partner topic: PII-free facts, the org number only with consent, each fact once."""

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

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
    "no.hoppid.reporting.company.retracted.v1": {"office_id", "municipality", "retracted_ids"},
    "no.hoppid.reporting.meeting.held.v1": {
        "office_id",
        "municipality",
        "municipality_name",
        "meeting_type",
        "held_month",
    },
}
OSLO = ZoneInfo("Europe/Oslo")


def fact_start(data: dict[str, object]) -> str:
    """ce_time a fact must carry: Oslo's first instant of the day or month it names, in UTC."""
    day = str(data.get("opened_on") or f"{data.get('held_month') or data['registered_month']}-01")
    start = datetime.fromisoformat(day).replace(tzinfo=OSLO).astimezone(UTC)
    return start.isoformat().replace("+00:00", "Z")


def ce_time(record: Any) -> str:
    return dict(record.headers)["ce_time"].decode()


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
    # case A's person is erased once the fact that carried their number is out: erasure and
    # company are on different partitions, and a company handled after the erasure is published
    # without the number, so there would be nothing to retract
    erasure = next(n for n, e in enumerate(stream) if e.type.endswith("erasure.requested.v1"))
    before, after = stream[:erasure], stream[erasure:]
    before.append(s.received("case-z", "person-9", "nordveggen", "1539"))  # name, email, token
    await produce(reporting.intake_topic, before)
    await read_envelopes(reporting.public_topic, lambda envelopes: len(envelopes) >= 9, timeout=60)
    await produce(reporting.intake_topic, after)
    await drained(reporting.prefix, reporting.intake_topic)

    found = await read_envelopes(
        reporting.public_topic,
        lambda envelopes: len(envelopes) >= 10,  # 6 cases opened, 3 companies, 1 retraction
        timeout=60,
    )
    envelopes = [envelope for _, envelope in found]
    assert len(of_type(envelopes, "reporting.case.opened.v1")) == 6  # duplicates published once
    companies = of_type(envelopes, "reporting.company.registered.v1")
    assert len(companies) == 3
    shared = [c for c in companies if c.data["org_number"]]
    assert [c.data["org_number"] for c in shared] == ["923609016"]  # only case A consented
    assert all(c.data["registered_on"] is None for c in companies if c not in shared)
    # case A's person is erased: the fact that carried their number is retracted (on the day)
    [retracted] = [(r, e) for r, e in found if e.type.endswith("company.retracted.v1")]
    assert retracted[1].data["retracted_ids"] == [shared[0].id]
    assert ce_time(retracted[0]) == "2026-05-31T22:00:00Z"
    for record, envelope in found:
        assert set(envelope.data) <= ALLOWED[envelope.type]
        if envelope.type.endswith("company.retracted.v1"):
            continue
        # as precise as the fact (its day or month), never the source event's exact time
        assert ce_time(record) == fact_start(envelope.data), envelope.type
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
    assert ce_time(found[0][0]) == "2026-11-01T23:00:00Z"  # Oslo's 2 November, not 10:00


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
    assert {ce_time(r) for r, e in found if e in held} == {"2026-02-28T23:00:00Z"}  # March
    for record, envelope in found:
        assert set(envelope.data) <= ALLOWED[envelope.type]
        assert ce_time(record) == fact_start(envelope.data), envelope.type
        raw = (record.value or b"") + b"".join(v or b"" for _, v in record.headers)
        for text in ("person-", "case-", "adv-1", "p-x"):
            assert text.encode() not in raw, (text, envelope.type)
