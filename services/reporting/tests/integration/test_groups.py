"""scheduling's group programmes and desks: enrolments, attendance, desk half days, exactly.

The stream (group_scenario) has duplicates, cancellations before their enrolment or booking and
a check-in after its release; months are Oslo months (an enrolment at 22:30 UTC on 31 March is
April's). None of these events names a municipality, so they count under ``0000`` only.
"""

import csv
import io
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from reporting_support import (
    COUNTY,
    Groups,
    Reporting,
    drained,
    group_scenario,
    produce,
    reporting_env,
    run_rebuild,
    subset,
)

from hoppid.shared.testing import eventually

# its outcome could depend on the hour, weekday or DST: scripts/time_of_day.sh
pytestmark = pytest.mark.time_of_day

ZERO = {
    "programme_enrolments": 0,
    "programme_enrolments_course": 0,
    "programme_enrolments_growth_programme": 0,
    "programme_enrolments_innovation_camp": 0,
    "programme_enrolments_school_programme": 0,
    "programme_attendances": 0,
    "programme_attendances_course": 0,
    "programme_attendances_growth_programme": 0,
    "programme_attendances_innovation_camp": 0,
    "programme_attendances_school_programme": 0,
    "school_participants": 0,
    "school_participants_attended": 0,
    "desk_half_days_booked": 0,
    "desk_half_days_used": 0,
    "desk_half_days_no_show": 0,
    "desk_occupancy": None,
}
YEAR = {
    **ZERO,
    "programme_enrolments": 5,
    "programme_enrolments_course": 2,
    "programme_enrolments_growth_programme": 1,
    "programme_enrolments_school_programme": 2,
    "programme_attendances": 6,
    "programme_attendances_course": 3,
    "programme_attendances_innovation_camp": 1,
    "programme_attendances_school_programme": 2,
    "school_participants": 45,
    "school_participants_attended": 42,
    "desk_half_days_booked": 5,
    "desk_half_days_used": 4,
    "desk_half_days_no_show": 1,
    "desk_occupancy": 0.8,
}
MOLDE_MARCH = {
    **ZERO,
    "programme_enrolments": 3,
    "programme_enrolments_course": 1,  # e1; e2 enrolled and cancelled
    "programme_enrolments_school_programme": 2,  # k1, k2; k3 cancelled
    "programme_attendances": 2,
    "programme_attendances_school_programme": 2,
    "school_participants": 45,
    "school_participants_attended": 42,
    "desk_half_days_booked": 3,  # d1, d2, d4; d3 cancelled before use
    "desk_half_days_used": 2,
    "desk_half_days_no_show": 1,
    "desk_occupancy": 0.6667,
}
MOLDE_APRIL = {
    **ZERO,
    "programme_enrolments": 1,
    "programme_enrolments_course": 1,  # e3, promoted in April
    "programme_attendances": 2,
    "programme_attendances_course": 2,
    "desk_half_days_booked": 1,
    "desk_half_days_used": 1,
    "desk_occupancy": 1.0,
}
MOLDE_MAY = {**ZERO, "programme_attendances": 1, "programme_attendances_course": 1}
ALESUND_MARCH = {
    **ZERO,
    "desk_half_days_booked": 1,
    "desk_half_days_used": 1,
    "desk_occupancy": 1.0,
}
ALESUND_APRIL = {
    **ZERO,
    "programme_enrolments": 1,  # e6; e5 enrolled (1 April in Oslo) and cancelled
    "programme_enrolments_growth_programme": 1,
    "programme_attendances": 1,  # e5 came before cancelling
    "programme_attendances_innovation_camp": 1,
}


async def projected(reporting: Reporting) -> tuple[list[Any], dict[str, Any]]:
    stream, named = group_scenario()
    await produce(reporting.scheduling_topic, stream)
    await drained(reporting.prefix, reporting.scheduling_topic)
    return stream, named


async def figures(reporting: Reporting, **params: str) -> dict[str, Any]:
    [row] = await reporting.get("/v1/figures", **params)
    return subset(row, ZERO)


async def test_programme_and_desk_figures_are_exact(reporting: Reporting) -> None:
    await projected(reporting)
    assert await figures(reporting, period="2026") == YEAR
    assert await figures(reporting, office="molde", period="2026-03") == MOLDE_MARCH
    assert await figures(reporting, office="molde", period="2026-04") == MOLDE_APRIL
    assert await figures(reporting, office="molde", period="2026-05") == MOLDE_MAY
    assert await figures(reporting, office="alesund", period="2026-03") == ALESUND_MARCH
    assert await figures(reporting, office="alesund", period="2026-04") == ALESUND_APRIL
    # no event names a municipality: they count for offices and the county, under 0000 only
    by_municipality = await reporting.get("/v1/figures", period="2026", group_by="municipality")
    assert [(row["municipality"], subset(row, ZERO)) for row in by_municipality] == [("0000", YEAR)]
    assert await figures(reporting, municipality="1506", period="2026") == ZERO
    series = await reporting.get(
        "/v1/series", office="molde", **{"from": "2026-03", "to": "2026-05"}
    )
    assert [row["programme_attendances"] for row in series] == [2, 2, 1]


async def test_drill_down_shows_every_contribution_with_its_sign(reporting: Reporting) -> None:
    _, n = await projected(reporting)
    course = await reporting.get(
        "/v1/figures/events", figure="programme_enrolments_course", office="molde", period="2026"
    )
    assert course["value"] == 2
    assert sorted((c["added"], tuple(c["events"])) for c in course["contributions"]) == sorted(
        [
            (1, (n["e1"].id,)),
            (1, (n["e2"].id,)),
            (-1, (n["e2"].id, n["e2_cancelled"].id)),
            (1, (n["e3"].id,)),
        ]
    )
    heads = await reporting.get("/v1/figures/events", figure="school_participants_attended")
    assert (heads["value"], set(heads["event_ids"])) == (42, {n["k1_s1"].id, n["k2_s1"].id})
    desks = await reporting.get(
        "/v1/figures/events", figure="desk_half_days_booked", office="molde", period="2026-03"
    )
    assert desks["value"] == 3
    assert sorted(c["added"] for c in desks["contributions"]) == [-1, -1, 1, 1, 1, 1, 1]
    assert {n[seat].id for seat in ("d1", "d2", "d3", "d4")} <= set(desks["event_ids"])

    response = await reporting.client.get(
        "/v1/figures",
        params={"period": "2026-03", "group_by": "office", "format": "csv"},
        headers=COUNTY,
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    molde = next(row for row in rows if row["office"] == "molde")
    assert (molde["school_participants"], molde["desk_occupancy"]) == ("45", "0.6667")


async def test_rebuild_gives_the_live_programme_and_desk_figures(
    reporting: Reporting, unique: str
) -> None:
    stream, _ = await projected(reporting)
    views = [
        ("/v1/figures", {"period": "2026", "group_by": "office"}),
        ("/v1/series", {"office": "molde", "from": "2026-03", "to": "2026-05"}),
        ("/v1/figures/events", {"figure": "programme_enrolments"}),
        ("/v1/figures/events", {"figure": "desk_half_days_booked", "period": "2026"}),
    ]
    live = [await reporting.get(path, **params) for path, params in views]
    outcome = (await run_rebuild(reporting_env(reporting.prefix, unique)))["rebuilt"]
    assert outcome["events"] == len(stream)
    assert [await reporting.get(path, **params) for path, params in views] == live
    assert await figures(reporting, period="2026") == YEAR


async def test_gauges_count_this_years_programmes_and_desks(reporting: Reporting) -> None:
    g = Groups()
    g.programme("prog-now", "kristiansund", "school_programme")
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo("Europe/Oslo")).strftime("%Y-%m-%d")  # seat days are Oslo's
    stamp = now.strftime("%Y-%m-%dT%H:%M")
    await produce(
        reporting.scheduling_topic,
        [
            g.enrolled("prog-now", "k-now", stamp, 24),
            g.seat_booked("d-now", "kristiansund", today),
            g.checked_in("d-now", "kristiansund", today),
        ],
    )

    async def scraped() -> str | None:
        async with httpx.AsyncClient(timeout=10) as client:  # the metrics port
            text = (await client.get(reporting.service.metrics_url)).text
        wanted = 'hoppid_reporting_desk_half_days_used_this_year{office="kristiansund"} 1.0'
        return text if wanted in text else None

    text = await eventually(scraped, timeout=60, what="desk gauges")
    for line in (
        'hoppid_reporting_programme_enrolments_this_year{office="kristiansund"} 1.0',
        'hoppid_reporting_school_participants_this_year{office="kristiansund"} 24.0',
        'hoppid_reporting_desk_half_days_booked_this_year{office="kristiansund"} 1.0',
    ):
        assert line in text
