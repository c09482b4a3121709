"""scheduling's meetings: booked, held, no-shows and the wait for a first meeting, exactly.

The scheduling stream is produced before intake's, so every meeting arrives before its case is
known; duplicates and a cancellation before its booking are in it too (meeting_scenario).
"""

import csv
import io
from typing import Any

from reporting_support import (
    COUNTY,
    Reporting,
    drained,
    meeting_scenario,
    produce,
    reporting_env,
    run_rebuild,
    subset,
)

MARCH = {
    "meetings_booked": 5,  # b7's case was never opened: it waits, uncounted
    "meetings_held": 2,
    "meetings_no_show": 1,
    "meetings_cancelled": 2,
    "cases_with_first_meeting": 3,
    "days_to_first_meeting_median": 7.0,
    "days_to_first_meeting_p90": 10.0,
}
YEAR = {**MARCH, "meetings_booked": 6, "cases_with_first_meeting": 4}
YEAR["days_to_first_meeting_median"] = 5.0
OFFICES = {
    "nordveggen": (2, 1, 1, 0, 2, 5.0, 7.0),
    "alesund": (3, 1, 0, 1, 2, 5.75, 10.0),
    "molde": (1, 0, 0, 1, 0, None, None),
}


async def projected(reporting: Reporting) -> dict[str, Any]:
    intake, scheduling, named = meeting_scenario()
    await produce(reporting.scheduling_topic, scheduling)
    await produce(reporting.intake_topic, intake)
    await drained(reporting.prefix, reporting.scheduling_topic)
    await drained(reporting.prefix, reporting.intake_topic)
    return {"intake": intake, "scheduling": scheduling, "named": named}


async def test_meetings_and_time_to_first_meeting_are_exact(reporting: Reporting) -> None:
    await projected(reporting)
    [march] = await reporting.get("/v1/figures", period="2026-03")
    assert subset(march, MARCH) == MARCH
    [year] = await reporting.get("/v1/figures", period="2026")
    assert subset(year, YEAR) == YEAR

    offices = await reporting.get("/v1/figures", period="2026", group_by="office")
    assert {row["office"]: tuple(row[name] for name in MARCH) for row in offices} == OFFICES
    municipalities = await reporting.get("/v1/figures", period="2026", group_by="municipality")
    assert {row["municipality"]: tuple(row[name] for name in MARCH) for row in municipalities} == {
        "1539": OFFICES["nordveggen"],
        "1508": OFFICES["alesund"],
        "1506": OFFICES["molde"],
    }

    [april] = await reporting.get("/v1/figures", office="alesund", period="2026-04")
    assert subset(april, MARCH) == {
        "meetings_booked": 1,
        "meetings_held": 0,
        "meetings_no_show": 0,
        "meetings_cancelled": 0,
        "cases_with_first_meeting": 1,
        "days_to_first_meeting_median": 1.5,
        "days_to_first_meeting_p90": 1.5,
    }


async def test_meeting_figures_drill_down_and_export(reporting: Reporting) -> None:
    named = (await projected(reporting))["named"]
    held = await reporting.get("/v1/figures/events", figure="meetings_held", period="2026")
    assert (held["value"], set(held["event_ids"])) == (
        2,
        {named["b1_held"].id, named["b4_held"].id},
    )
    wait = await reporting.get(
        "/v1/figures/events", figure="days_to_first_meeting_median", period="2026-03"
    )
    assert wait["value"] == 7.0
    assert [c["days"] for c in wait["contributions"]] == [3.0, 7.0, 10.0]
    behind = ("m1", "b1", "b1_held", "m2", "b2", "b2_missed", "m3", "b4", "b4_held")
    assert wait["event_ids"] == [named[name].id for name in behind]

    response = await reporting.client.get(
        "/v1/figures",
        params={"period": "2026", "group_by": "office", "format": "csv"},
        headers=COUNTY,
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    alesund = next(row for row in rows if row["office"] == "alesund")
    assert (alesund["meetings_booked"], alesund["days_to_first_meeting_median"]) == ("3", "5.75")


async def test_rebuild_gives_the_live_meeting_figures(reporting: Reporting, unique: str) -> None:
    streams = await projected(reporting)
    views = [
        ("/v1/figures", {"period": "2026", "group_by": "office"}),
        ("/v1/figures", {"period": "2026-03", "group_by": "municipality"}),
        ("/v1/series", {"from": "2026-01", "to": "2026-06"}),
        ("/v1/figures/events", {"figure": "days_to_first_meeting_p90", "period": "2026"}),
        ("/v1/figures/events", {"figure": "meetings_no_show"}),
    ]
    live = [await reporting.get(path, **params) for path, params in views]
    outcome = (await run_rebuild(reporting_env(reporting.prefix, unique)))["rebuilt"]
    assert outcome["events"] == len(streams["intake"]) + len(streams["scheduling"])
    assert [await reporting.get(path, **params) for path, params in views] == live
    [year] = await reporting.get("/v1/figures", period="2026")
    assert subset(year, YEAR) == YEAR
