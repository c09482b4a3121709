"""Read roles, filters, CSV export with Norwegian letters intact, and drill-down to event ids."""

import csv
import io

from reporting_support import COUNTY, Reporting, bearer, drained, produce, scenario


async def test_platform_keys_scope_what_each_role_reads(reporting: Reporting) -> None:
    stream, _ = scenario()
    await produce(reporting.intake_topic, stream)
    await drained(reporting.prefix, reporting.intake_topic)
    client = reporting.client

    assert (await client.get("/v1/figures")).status_code == 401
    wrong = await client.get("/v1/figures", headers=bearer("hk_nope.nope"))
    assert (wrong.status_code, wrong.headers["content-type"]) == (401, "application/problem+json")

    for role in ("advisor", "office_admin"):  # one office, with drill-down
        office = await reporting.key(role, "alesund")
        [own] = await reporting.get("/v1/figures", key=office, period="2026")
        assert (own["office"], own["inquiries"]) == ("alesund", 2)  # its office, not the county's
        other = await client.get("/v1/figures", params={"office": "molde"}, headers=bearer(office))
        assert other.status_code == 403
        grouped = await reporting.get("/v1/figures", key=office, group_by="office")
        assert [row["office"] for row in grouped] == ["alesund"]
        drilled = await reporting.get("/v1/figures/events", key=office, figure="inquiries")
        assert drilled["value"] == 2

    partner = await reporting.key("partner")  # every office, no drill-down
    rows = await reporting.get("/v1/figures", key=partner, group_by="office", period="2026")
    assert {row["office"] for row in rows} == {"nordveggen", "alesund", "molde"}
    denied = await client.get(
        "/v1/figures/events", params={"figure": "inquiries"}, headers=bearer(partner)
    )
    assert denied.status_code == 403

    county = await reporting.key("county")  # everything, with drill-down
    [everything] = await reporting.get("/v1/figures", key=county, period="2026")
    assert everything["inquiries"] == 5
    drilled = await reporting.get("/v1/figures/events", key=county, figure="inquiries")
    assert drilled["value"] == 6  # all time: case E opened in 2025

    await reporting.revoke(partner)  # intake revokes: reporting refuses it from then on
    assert (await client.get("/v1/figures", headers=bearer(partner))).status_code == 401
    assert (await client.get("/v1/figures", headers=bearer(county))).status_code == 200


async def test_bad_input_is_422_naming_the_field(reporting: Reporting) -> None:
    for params, field in [
        ({"period": "2026-13"}, "period"),
        ({"municipality": "Rauma"}, "municipality"),
        ({"group_by": "person"}, "group_by"),
        ({"format": "xlsx"}, "format"),
    ]:
        response = await reporting.client.get("/v1/figures", params=params, headers=COUNTY)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert field in [e["field"] for e in response.json()["errors"]]
    series = await reporting.client.get(
        "/v1/series", params={"from": "2026-05", "to": "2026"}, headers=COUNTY
    )
    assert (series.status_code, series.json()["errors"][0]["field"]) == (422, "to")
    # a RuleViolation of reporting's own is the shared validation problem
    assert series.headers["content-type"] == "application/problem+json"
    assert series.json()["type"] == "https://hoppid.no/problems/validation"
    drill = await reporting.client.get(
        "/v1/figures/events", params={"figure": "names"}, headers=COUNTY
    )
    assert (drill.status_code, drill.json()["errors"][0]["field"]) == (422, "figure")


async def test_csv_export_keeps_norwegian_letters(reporting: Reporting) -> None:
    stream, _ = scenario()
    await produce(reporting.intake_topic, stream)
    await drained(reporting.prefix, reporting.intake_topic)
    for path in ("/v1/figures", "/v1/funnel", "/v1/indicators"):
        response = await reporting.client.get(
            path,
            params={"period": "2026", "group_by": "municipality", "format": "csv"},
            headers=COUNTY,
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.content.startswith("\ufeff".encode())  # the BOM, for Excel
        rows = list(
            csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
        )
        assert rows
    figures = await reporting.client.get(
        "/v1/figures",
        params={"period": "2026", "group_by": "municipality", "format": "csv"},
        headers=COUNTY,
    )
    rows = list(csv.DictReader(io.StringIO(figures.content.decode("utf-8-sig")), delimiter=";"))
    alesund = next(row for row in rows if row["municipality"] == "1508")
    assert (alesund["municipality_name"], alesund["inquiries"]) == ("Ålesund", "2")
    assert "Ålesund".encode() in figures.content
    offices = await reporting.client.get(
        "/v1/figures", params={"group_by": "office", "format": "csv"}, headers=COUNTY
    )
    assert "hoppid.no Ålesund" in offices.content.decode("utf-8-sig")
    series = await reporting.client.get(
        "/v1/series", params={"from": "2026-01", "to": "2026-03", "format": "csv"}, headers=COUNTY
    )
    assert len(series.content.decode("utf-8-sig").strip().splitlines()) == 4


async def test_every_figure_traces_to_its_events(reporting: Reporting) -> None:
    stream, named = scenario()
    await produce(reporting.intake_topic, stream)
    await drained(reporting.prefix, reporting.intake_topic)
    inquiries = await reporting.get("/v1/figures/events", figure="inquiries", period="2026")
    opened_2026 = {named[case].id for case in "ABCDF"}
    assert (inquiries["value"], set(inquiries["event_ids"])) == (5, opened_2026)

    people = await reporting.get("/v1/figures/events", figure="people_served", period="2026")
    assert people["value"] == 3 and len(people["event_ids"]) == 3
    assert set(people["event_ids"]) <= opened_2026
    published = await published_figures(reporting, period="2026")
    for figure in ("companies_registered", "granted_amount_nok", "rco05", "funnel_company"):
        drilled = await reporting.get("/v1/figures/events", figure=figure, period="2026")
        assert figure in published, f"{figure} is in no table of the API"
        assert (figure, drilled["value"]) == (figure, published[figure])
        assert drilled["event_ids"]
    body = str(await reporting.get("/v1/figures/events", figure="people_served"))
    assert "person-" not in body and "case-" not in body  # ids of events only

    csv_rows = await reporting.client.get(
        "/v1/figures/events",
        params={"figure": "inquiries", "period": "2026", "format": "csv"},
        headers=COUNTY,
    )
    assert len(csv_rows.content.decode("utf-8-sig").strip().splitlines()) == 6


async def published_figures(reporting: Reporting, **params: str) -> dict[str, object]:
    """Every figure the API shows, by its drill-down name: the figures row, the funnel's stages
    (``funnel_<stage>``, not in the row) and the EU indicators (``rco01``…, not in the row)."""
    [row] = await reporting.get("/v1/figures", **params)
    funnel = await reporting.get("/v1/funnel", **params)
    indicators = await reporting.get("/v1/indicators", **params)
    return {
        **row,
        **{f"funnel_{s['stage']}": s["cases"] for s in funnel if s["stage"] != "inquiries"},
        **{i["indicator"].lower(): i["value"] for i in indicators},
    }
