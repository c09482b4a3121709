import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from hoppid.shared.metrics import HttpMetrics, ServiceMetrics
from hoppid.shared.problems import FieldProblem, handled, install_problem_handlers


class Contact(BaseModel):
    email: str = Field(pattern=r"^[^@]+@[^@]+$")


class Inquiry(BaseModel):
    municipality: str = Field(pattern=r"^\d{4}$")
    contact: Contact


def make_app() -> tuple[FastAPI, ServiceMetrics]:
    app = FastAPI()
    metrics = ServiceMetrics("demo")
    install_problem_handlers(app)
    app.add_middleware(HttpMetrics, metrics=metrics)

    @app.post("/inquiries")
    async def create(inquiry: Inquiry) -> dict[str, str]:
        return {"ok": inquiry.municipality}

    @app.get("/cases/{case_id}")
    async def case(case_id: str) -> dict[str, str]:
        if case_id == "gone":
            raise HTTPException(404, "no such case")
        if case_id == "boom":
            raise RuntimeError("internal detail that must not leak")
        return {"id": case_id}

    return app, metrics


def test_invalid_body_is_a_problem_naming_each_field() -> None:
    client = TestClient(make_app()[0])
    response = client.post("/inquiries", json={"municipality": "15", "contact": {"email": "x"}})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 422
    assert {e["field"] for e in body["errors"]} == {"municipality", "contact.email"}
    assert "municipality" in body["detail"]


def test_http_errors_and_crashes_are_problems_without_internals() -> None:
    client = TestClient(make_app()[0], raise_server_exceptions=False)
    missing = client.get("/cases/gone")
    assert missing.status_code == 404
    assert missing.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "no such case",
    }
    crash = client.get("/cases/boom")
    assert crash.status_code == 500
    assert crash.headers["content-type"] == "application/problem+json"
    assert "internal detail" not in crash.text


def test_http_metrics_are_labelled_by_route_template_not_url() -> None:
    app, metrics = make_app()
    client = TestClient(app)
    for case_id in ("a", "b", "c"):
        client.get(f"/cases/{case_id}")
    value = metrics.registry.get_sample_value(
        "hoppid_http_requests_total",
        {"service": "demo", "method": "GET", "route": "/cases/{case_id}", "status": "200"},
    )
    assert value == 3


def test_http_metrics_count_refusals_and_crashes_with_their_status() -> None:
    app, metrics = make_app()
    client = TestClient(app, raise_server_exceptions=False)
    client.get("/cases/gone")
    client.get("/cases/boom")
    client.post("/inquiries", json={})
    for method, route, status in [
        ("GET", "/cases/{case_id}", "404"),
        ("GET", "/cases/{case_id}", "500"),
        ("POST", "/inquiries", "422"),
    ]:
        labels = {"service": "demo", "method": method, "route": route, "status": status}
        assert metrics.registry.get_sample_value("hoppid_http_requests_total", labels) == 1
    timed = {"service": "demo", "method": "GET", "route": "/cases/{case_id}"}
    count = metrics.registry.get_sample_value("hoppid_http_request_duration_seconds_count", timed)
    assert count == 2


def test_a_problem_handler_gets_its_own_kind_or_a_named_error() -> None:
    refused = FieldProblem("period", "not a month")
    assert handled(refused, ValueError) is refused  # a subclass is its kind too
    with pytest.raises(TypeError, match="a handler of HTTPException was given FieldProblem"):
        handled(refused, HTTPException)
