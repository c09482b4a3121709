"""A scripted stream gives exactly the expected figures, with duplicates and out-of-order events."""

from typing import Any

from reporting_support import COUNTY_2026, Reporting, drained, produce, scenario, subset


async def projected(reporting: Reporting) -> None:
    stream, _ = scenario()
    await produce(reporting.intake_topic, stream)
    await drained(reporting.prefix, reporting.intake_topic)


def by(rows: list[dict[str, Any]], column: str) -> dict[str, dict[str, Any]]:
    return {row[column]: row for row in rows}


async def test_scripted_stream_gives_exactly_the_expected_figures(reporting: Reporting) -> None:
    await projected(reporting)

    [county] = await reporting.get("/v1/figures", period="2026")
    assert subset(county, COUNTY_2026) == COUNTY_2026
    [ever] = await reporting.get("/v1/figures")
    assert (ever["inquiries"], ever["people_served"], ever["companies_registered"]) == (6, 4, 3)

    offices = by(await reporting.get("/v1/figures", period="2026", group_by="office"), "office")
    assert subset(offices["nordveggen"], EXPECTED_NORDVEGGEN) == EXPECTED_NORDVEGGEN
    assert subset(offices["alesund"], EXPECTED_ALESUND) == EXPECTED_ALESUND
    assert subset(offices["molde"], EXPECTED_MOLDE) == EXPECTED_MOLDE
    assert offices["alesund"]["office_name"] == "hoppid.no Ålesund"

    [may] = await reporting.get("/v1/figures", office="nordveggen", period="2026-05")
    assert (may["inquiries"], may["people_served"], may["budget_eur"]) == (1, 1, 2666.67)


async def test_people_are_counted_once_across_cases_months_and_offices(
    reporting: Reporting,
) -> None:
    await projected(reporting)
    # person 1: March and May at Nordveggen, May at Ålesund
    series = await reporting.get(
        "/v1/series", office="nordveggen", **{"from": "2026-01", "to": "2026-12"}
    )
    assert [row["period"] for row in series][:3] == ["2026-01", "2026-02", "2026-03"]
    assert [row["inquiries"] for row in series] == [0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    assert [row["people_served"] for row in series] == [0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    [year] = await reporting.get("/v1/figures", office="nordveggen", period="2026")
    assert year["people_served"] == 1
    [may] = await reporting.get("/v1/figures", period="2026-05")
    assert (may["inquiries"], may["people_served"]) == (2, 1)
    municipalities = by(
        await reporting.get("/v1/figures", period="2026", group_by="municipality"),
        "municipality",
    )
    assert municipalities["1508"]["municipality_name"] == "Ålesund"
    assert (municipalities["1508"]["people_served"], municipalities["1508"]["budget_eur"]) == (
        2,
        None,
    )
    years = await reporting.get("/v1/series", **{"from": "2025", "to": "2026"})
    assert [(r["inquiries"], r["people_served"]) for r in years] == [(1, 1), (5, 3)]


async def test_funnel_and_funder_indicators(reporting: Reporting) -> None:
    await projected(reporting)
    funnel = await reporting.get("/v1/funnel", period="2026")
    assert [(row["stage"], row["cases"]) for row in funnel] == [
        ("inquiries", 5),
        ("contacted", 3),
        ("in_guidance", 2),
        ("company", 2),
    ]
    indicators = by(await reporting.get("/v1/indicators", period="2026"), "indicator")
    assert {code: row["value"] for code, row in indicators.items()} == {
        "RCO01": 4,  # three new companies and one running company
        "RCO04": 4,
        "RCO05": 3,
    }
    alesund = by(await reporting.get("/v1/indicators", office="alesund"), "indicator")
    assert (alesund["RCO01"]["value"], alesund["RCO05"]["value"]) == (2, 1)


EXPECTED_NORDVEGGEN = {
    "inquiries": 2,
    "people_served": 1,
    "companies_registered": 1,
    "conversion_rate": 0.5,
    "applications_granted": 1,
    "granted_amount_nok": 50_000,
    "introductions": 1,
    "budget_eur": 32_000.0,
    "cost_per_person_served_eur": 32_000.0,
    "cost_per_company_eur": 32_000.0,
}
EXPECTED_ALESUND = {
    "inquiries": 2,
    "people_served": 2,
    "companies_registered": 1,
    "conversion_rate": 0.5,
    "budget_eur": 60_000.0,
    "cost_per_person_served_eur": 30_000.0,
    "cost_per_company_eur": 60_000.0,
}
EXPECTED_MOLDE = {
    "inquiries": 1,
    "people_served": 1,
    "companies_registered": 1,
    "companies_within_12_months": 0,
    "conversion_rate": 0.0,
    "applications_rejected": 1,
    "budget_eur": 32_000.0,
    "cost_per_company_eur": 32_000.0,
}
