"""Prometheus alerts and the Grafana dashboard name only metrics the services really export.

No Prometheus or Grafana runs here: the files are parsed, and every metric they use is looked up
in the metric registries of the four services as their composition roots build them."""

import json
import re
from pathlib import Path

import pytest
import yaml
from prometheus_client import generate_latest

from hoppid.intake.main import build as build_intake
from hoppid.intake.settings import IntakeSettings
from hoppid.notifications.main import build as build_notifications
from hoppid.notifications.settings import NotificationsSettings
from hoppid.reporting.main import build as build_reporting
from hoppid.reporting.settings import ReportingSettings
from hoppid.scheduling.main import build as build_scheduling
from hoppid.scheduling.settings import SchedulingSettings

ROOT = Path(__file__).resolve().parents[1]
METRIC = re.compile(r"\b((?:hoppid|faststream)_[a-z_]+)")


def exported_metrics() -> set[str]:
    """Every metric family the services define (building an app does no I/O)."""
    names: set[str] = set()
    for build, settings in [
        (build_intake, IntakeSettings()),
        (build_scheduling, SchedulingSettings()),
        (build_notifications, NotificationsSettings()),
        (build_reporting, ReportingSettings()),
    ]:
        app = build(settings)  # type: ignore[operator]
        text = generate_latest(app.state.runtime.metrics.registry).decode()
        names |= set(re.findall(r"^# TYPE (\S+)", text, re.M))
    return names


def base_name(metric: str) -> str:
    for suffix in ("_bucket", "_count", "_sum", "_total"):
        if metric.endswith(suffix):
            return metric.removesuffix(suffix)
    return metric


@pytest.fixture(scope="module")
def exported() -> set[str]:
    return {base_name(name) for name in exported_metrics()}


def alert_expressions() -> list[str]:
    rules = yaml.safe_load((ROOT / "deploy/prometheus/alerts.yml").read_text())
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def dashboard_expressions() -> list[str]:
    dashboard = json.loads((ROOT / "deploy/grafana/dashboards/hoppid.json").read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def test_every_alert_uses_existing_metrics(exported: set[str]) -> None:
    used = {base_name(m) for e in alert_expressions() for m in METRIC.findall(e)}
    assert used, "the alerts name no hoppid metric at all"
    assert used - exported == set()


def test_every_dashboard_panel_uses_existing_metrics(exported: set[str]) -> None:
    used = {base_name(m) for e in dashboard_expressions() for m in METRIC.findall(e)}
    assert used - exported == set()


def test_the_alerts_cover_what_operators_asked_for() -> None:
    rules = yaml.safe_load((ROOT / "deploy/prometheus/alerts.yml").read_text())
    names = {rule["alert"] for group in rules["groups"] for rule in group["rules"]}
    assert names >= {
        "HoppidServiceDown",
        "HoppidConsumerLagGrowing",
        "HoppidDeadLetters",
        "HoppidOutboxBacklogOld",
        "HoppidOutboxParked",
        "HoppidHttpErrors",
        "HoppidHttpSlow",
    }
    operations = (ROOT / "docs/operations.md").read_text()
    for name in names:
        assert name in operations, f"docs/operations.md does not say what to do for {name}"


def test_prometheus_scrapes_every_service_on_its_port() -> None:
    config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    targets = {
        target: group["labels"]["service"]
        for job in config["scrape_configs"]
        for group in job["static_configs"]
        for target in group["targets"]
    }
    assert targets == {
        "127.0.0.1:8001": "intake",
        "127.0.0.1:8002": "scheduling",
        "127.0.0.1:8003": "notifications",
        "127.0.0.1:8004": "reporting",
    }
    assert config["rule_files"] == ["alerts.yml"]
