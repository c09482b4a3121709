"""Bad input found by schemathesis (scripts/fuzz.sh): a 422 problem naming the field, never a
5xx."""

from intake_support import ADMIN_KEY, Intake


async def test_a_nul_character_is_a_422_naming_the_field(intake: Intake) -> None:
    # PostgreSQL under the local store cannot keep a NUL: it was a 503 "store unavailable"
    # that no retry could end
    answer = await intake.client.post(
        "/v1/offices/nordveggen/keys",
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
        json={"role": "advisor", "label": "front\x00desk"},
    )
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert [(e["field"], e["in"]) for e in answer.json()["errors"]] == [("label", "body")]


async def test_the_openapi_documents_errors_as_problems(intake: Intake) -> None:
    """What schemathesis checks answers against: a 422 and every other error of the API are
    problem+json (FastAPI documented a 422 as application/json, and nothing else)."""
    document = (await intake.client.get("/openapi.json")).json()
    responses = document["paths"]["/v1/offices/{office_id}/keys"]["post"]["responses"]
    for status in ("422", "4XX", "5XX"):
        assert list(responses[status]["content"]) == ["application/problem+json"], status
    assert "HTTPValidationError" not in document["components"]["schemas"]
