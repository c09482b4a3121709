"""reporting's retention pass (docs/retention.md): once all of a person's cases are past intake's
period, their pseudonymous records go and every figure stays as it was; a late event for a
dropped case changes nothing; a rebuild ends with the same pass, so it brings nothing back.

The pass and the rebuild run in this process with an injected moment (never the wall clock);
the service runs as its own process on the real stack and projects the events."""

from datetime import timedelta
from typing import Any

import pytest
from reporting_support import (
    Meetings,
    Reporting,
    Script,
    at,
    drained,
    produce,
    reporting_env,
)

from hoppid.reporting import retention
from hoppid.reporting.model import digest
from hoppid.reporting.rebuild.replay import rebuild
from hoppid.reporting.settings import ReportingSettings
from hoppid.shared.settings import load_settings

NOW = at("2029-06-01T12:00")  # past 2026's closed and open cases, before later ones
PERIODS = retention.Periods(closed_case=timedelta(days=1095), inactive_case=timedelta(days=730))

VIEWS: list[tuple[str, dict[str, str]]] = [
    ("/v1/figures", {}),
    ("/v1/figures", {"period": "2026"}),
    ("/v1/figures", {"period": "2026", "group_by": "office"}),
    ("/v1/figures", {"period": "2026", "group_by": "municipality"}),
    ("/v1/figures", {"period": "2026-02", "group_by": "office"}),
    ("/v1/figures", {"office": "molde", "municipality": "1506"}),
    ("/v1/funnel", {"period": "2026"}),
    ("/v1/funnel", {}),
    ("/v1/indicators", {"period": "2026"}),
    ("/v1/indicators", {}),
    ("/v1/series", {"from": "2026-01", "to": "2026-12"}),
]


async def everything(reporting: Reporting) -> list[Any]:
    return [await reporting.get(path, **params) for path, params in VIEWS]


def stream() -> tuple[list[Any], list[Any], dict[str, Any]]:
    """intake's and scheduling's events: one person whose two cases are past their period
    (one closed with a company and a meeting, one left open), one whose closed case is not yet,
    and one with a case past and one not (kept: a person goes with all their cases)."""
    s, m = Script(), Meetings()
    old_closed = s.status(
        "case-old", "molde", "closed", "2026-06-01T10:00", frm="company_registered"
    )
    intake = [
        s.office("molde", 240_000, "2026-01-01T08:00"),
        s.opened("case-old", "person-old", "molde", "1506", "2026-02-10T09:00", stage="running"),
        s.status("case-old", "molde", "contacted", "2026-02-12T09:00"),
        s.company("case-old", "person-old", "molde", "1506", "2026-05-01", "2026-02-10T09:00"),
        s.status("case-old", "molde", "company_registered", "2026-05-01T09:00", frm="contacted"),
        old_closed,
        s.opened("case-old2", "person-old", "molde", "1506", "2026-03-01T09:00"),
        s.opened("case-keep", "person-keep", "molde", "1506", "2026-02-20T09:00"),
        s.status("case-keep", "molde", "closed", "2026-07-01T10:00"),
        s.opened("case-mx1", "person-mixed", "alesund", "1507", "2026-01-05T09:00"),
        s.opened("case-mx2", "person-mixed", "alesund", "1507", "2026-08-01T09:00"),
        s.status("case-mx2", "alesund", "closed", "2026-09-01T10:00"),
    ]
    scheduling = [
        m.booked("b-old", "case-old", "molde", "2026-02-17T10:00", "2026-02-11T10:00"),
        m.held("b-old", "2026-02-17T10:00"),
        m.booked("b-keep", "case-keep", "molde", "2026-02-27T10:00", "2026-02-21T10:00"),
        m.held("b-keep", "2026-02-27T10:00"),
    ]
    late = {"opened": intake[1], "closed": old_closed, "held": scheduling[1]}
    return intake, scheduling, late


async def settle(reporting: Reporting) -> None:
    await drained(reporting.prefix, reporting.intake_topic)
    await drained(reporting.prefix, reporting.scheduling_topic, ("figures", "partner-facts"))


async def ids(database: Any, name: str) -> list[str]:
    return sorted([document["_id"] async for document in database[name].find({}, {"_id": 1})])


async def mentions(database: Any, version: int, *needles: str) -> list[str]:
    """Every stored text of this version (and the partner records) naming one of the needles."""
    found = []
    names = [f"v{version}_{kind}" for kind in ("cases", "claims", "ledger", "cells")]
    for name in [*names, "partner_cases", "partner_people"]:
        async for document in database[name].find({}):
            text = repr(document)
            found += [f"{name}: {needle}" for needle in needles if needle in text]
    return found


@pytest.fixture
def settings(reporting: Reporting, unique: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in reporting_env(reporting.prefix, unique).items():
        monkeypatch.setenv(name, value)
    return load_settings(ReportingSettings)


async def test_the_pass_drops_old_cases_keeps_every_figure_and_ignores_late_events(
    reporting: Reporting, database: Any, settings: ReportingSettings
) -> None:
    intake, scheduling, late = stream()
    await produce(reporting.intake_topic, intake)
    await produce(reporting.scheduling_topic, scheduling)
    await settle(reporting)
    before = await everything(reporting)
    [county] = before[1]
    assert (county["inquiries"], county["companies_registered"]) == (5, 1)
    assert county["cases_with_first_meeting"] == 2
    person_old = digest("person", "person-old")
    assert await mentions(database, 1, "case-old", person_old)  # there before the pass

    counts = await retention.one_pass(database, PERIODS, NOW)
    assert counts["cases_dropped"] == 2 and counts["people_dropped"] == 1

    assert await everything(reporting) == before  # every figure, the waiting time included
    # nothing names the old cases, their booking or their person any more
    assert await mentions(database, 1, "case-old", "b-old", person_old) == []
    assert "case-keep" in await ids(database, "v1_cases")
    assert {"case-mx1", "case-mx2"} <= set(await ids(database, "v1_cases"))
    assert len(await ids(database, "v1_dropped")) == 2
    assert (await retention.one_pass(database, PERIODS, NOW))["cases_dropped"] == 0  # idempotent

    # late events for the dropped case: a redelivered opening, status change and meeting
    await produce(reporting.intake_topic, [late["opened"], late["closed"]])
    await produce(reporting.scheduling_topic, [late["held"]])
    await settle(reporting)
    assert await everything(reporting) == before  # counted once, not again
    assert await mentions(database, 1, "case-old", "b-old", person_old) == []

    # a rebuild replays every event from the beginning, then runs the same pass by NOW
    outcome = await rebuild(settings, now=lambda: NOW)
    assert (outcome.version, outcome.previous) == (2, 1)
    assert await everything(reporting) == before
    assert await mentions(database, 2, "case-old", "b-old", person_old) == []
    for kind in ("cases", "claims", "ledger", "dropped"):  # the rebuilt store is the live one
        assert await ids(database, f"v2_{kind}") == await ids(database, f"v1_{kind}"), kind


async def test_a_persons_partner_record_goes_once_their_cases_are_dropped_and_they_are_erased(
    reporting: Reporting, database: Any
) -> None:
    s = Script()
    opened = s.opened("case-s", "person-s", "molde", "1506", "2026-02-01T09:00", stage="running")
    company = s.company(
        "case-s", "person-s", "molde", "1506", "2026-03-20", "2026-02-01T09:00", share=True
    )
    registered = s.status("case-s", "molde", "company_registered", "2026-04-01T09:00")
    await produce(reporting.intake_topic, [opened, company, registered])
    await drained(reporting.prefix, reporting.intake_topic)
    person = digest("person", "person-s")
    assert (await database["partner_people"].find_one({"_id": person}))["shared"]

    assert (await retention.one_pass(database, PERIODS, NOW))["cases_dropped"] == 1
    # not withdrawn yet: the ids stay, for the retraction intake's erasure will ask for
    kept = await database["partner_people"].find_one({"_id": person})
    assert kept["shared"] and kept["cases_dropped_at"] is not None

    await produce(reporting.intake_topic, [Script.erasure("person-s", ["case-s"])])
    await drained(reporting.prefix, reporting.intake_topic)
    assert (await retention.one_pass(database, PERIODS, NOW))["partner_people_deleted"] == 1
    assert await database["partner_people"].find_one({"_id": person}) is None
    assert await mentions(database, 1, "case-s", person) == []
