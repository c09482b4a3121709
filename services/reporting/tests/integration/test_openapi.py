"""The OpenAPI says what reporting answers (schemathesis, scripts/fuzz.sh, checks against it)."""

from reporting_support import Reporting


async def test_every_table_is_documented_as_json_and_csv(reporting: Reporting) -> None:
    # ?format=csv answered text/csv, documented as application/json only
    paths = (await reporting.client.get("/openapi.json")).json()["paths"]
    for path in ("/v1/figures", "/v1/funnel", "/v1/series", "/v1/indicators", "/v1/figures/events"):
        content = paths[path]["get"]["responses"]["200"]["content"]
        assert set(content) == {"application/json", "text/csv"}, path
