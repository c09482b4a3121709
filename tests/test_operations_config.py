"""Prometheus alerts and the Grafana dashboard name only metrics the services really export,
with labels those metrics really have.

No Prometheus or Grafana runs here: the files are parsed, and every metric they use is looked up
in the metric registries of the four services as their composition roots build them. The rules
themselves are checked and unit-tested by promtool in tests/test_prometheus_rules.py."""

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry, generate_latest

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


# labels Prometheus adds to every series it scrapes (deploy/prometheus/prometheus.yml)
SCRAPE_LABELS = {"job", "instance", "service"}
# a label matcher inside {...}, and the labels of a `by (...)` / `on (...)` clause
MATCHER = re.compile(r"(\w+)\s*(?:=~|!~|!=|=)")
SELECTOR = re.compile(r"\b((?:hoppid|faststream)_[a-z_]+)\s*(\{[^}]*\})?")
GROUPING = re.compile(r"\b(?:by|without|on|ignoring)\s*\(([^)]*)\)")


def registries() -> list[CollectorRegistry]:
    """The metric registry of each service, as its composition root builds it (no I/O)."""
    found = []
    for build, settings in [
        (build_intake, IntakeSettings()),
        (build_scheduling, SchedulingSettings()),
        (build_notifications, NotificationsSettings()),
        (build_reporting, ReportingSettings()),
    ]:
        app = build(settings)  # type: ignore[operator]
        found.append(app.state.runtime.metrics.registry)
    return found


def exported_metrics() -> set[str]:
    """Every metric family the services define."""
    names: set[str] = set()
    for registry in registries():
        text = generate_latest(registry).decode()
        names |= set(re.findall(r"^# TYPE (\S+)", text, re.M))
    return names


def exported_labels() -> dict[str, set[str]]:
    """{metric base name: its label names} (a labelled metric with no sample yet shows no label
    in the exposition, so the collectors are asked: prometheus_client keeps them by name)."""
    labels: dict[str, set[str]] = {}
    for registry in registries():
        for collector in set(registry._names_to_collectors.values()):
            name = getattr(collector, "_name", None)
            if name is not None:
                names = set(getattr(collector, "_labelnames", ()))
                labels.setdefault(base_name(name), set()).update(names)
    return labels


def allowed_labels(metric: str, labels: dict[str, set[str]]) -> set[str]:
    bucket = {"le"} if metric.endswith("_bucket") else set()
    return labels.get(base_name(metric), set()) | SCRAPE_LABELS | bucket


def unknown_labels(expression: str, labels: dict[str, set[str]]) -> set[str]:
    """Labels an expression filters or groups on that no metric it names has: such an alert
    would never fire (a matcher on a label that does not exist matches nothing)."""
    problems = set()
    metrics = [metric for metric, _ in SELECTOR.findall(expression)]
    for metric, matchers in SELECTOR.findall(expression):
        for label in MATCHER.findall(matchers) if matchers else []:
            if label not in allowed_labels(metric, labels):
                problems.add(f"{metric}{{{label}}}")
    for clause in GROUPING.findall(expression):
        for label in (name.strip() for name in clause.split(",") if name.strip()):
            if not any(label in allowed_labels(metric, labels) for metric in metrics):
                problems.add(f"by/on ({label}) in {expression!r}")
    return problems


def base_name(metric: str) -> str:
    for suffix in ("_bucket", "_count", "_sum", "_total"):
        if metric.endswith(suffix):
            return metric.removesuffix(suffix)
    return metric


@pytest.fixture(scope="module")
def exported() -> set[str]:
    return {base_name(name) for name in exported_metrics()}


@pytest.fixture(scope="module")
def labels() -> dict[str, set[str]]:
    return exported_labels()


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


def test_alerts_and_panels_use_labels_the_metrics_have(labels: dict[str, set[str]]) -> None:
    expressions = alert_expressions() + dashboard_expressions()
    assert {p for e in expressions for p in unknown_labels(e, labels)} == set()


def test_the_alerts_unit_tests_feed_series_the_services_export(
    exported: set[str], labels: dict[str, set[str]]
) -> None:
    """deploy/prometheus/alerts.test.yml proves the alerts on made-up series: they must be
    series the services really export (with the labels the scrape adds), or the proof is void."""
    tests = yaml.safe_load((ROOT / "deploy/prometheus/alerts.test.yml").read_text())
    series = [s["series"] for test in tests["tests"] for s in test["input_series"]]
    names = {re.match(r"\w+", s).group(0) for s in series}  # type: ignore[union-attr]
    assert {base_name(name) for name in names} - exported == {"up"}
    assert {p for s in series for p in unknown_labels(s, labels)} == set()


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
        "HoppidConsumerStalled",
        "HoppidDeliveriesFailed",
        "HoppidDeliveriesFailing",
        "HoppidDeliveriesStuckSending",
    }
    operations = (ROOT / "docs/operations.md").read_text()
    for name in names:
        assert name in operations, f"docs/operations.md does not say what to do for {name}"


def scrape_targets(config_file: str) -> tuple[dict[str, str], Any]:
    config = yaml.safe_load((ROOT / "deploy/prometheus" / config_file).read_text())
    targets = {
        target: group["labels"]["service"]
        for job in config["scrape_configs"]
        for group in job["static_configs"]
        for target in group["targets"]
    }
    return targets, config


def test_prometheus_scrapes_every_service_on_its_metrics_port() -> None:
    """On the metrics port make run gives each service (scripts/run.sh), never the public one:
    /metrics carries offices' figures and is not served there (issue 13)."""
    targets, config = scrape_targets("prometheus.yml")
    run_sh = (ROOT / "scripts/run.sh").read_text()
    ports = dict(re.findall(r"\[(\w+)\]=\"\$\{HOPPID_\w+_METRICS_PORT:-(\d+)\}\"", run_sh))
    assert targets == {f"127.0.0.1:{port}": name for name, port in ports.items()}
    assert set(ports) == {"intake", "scheduling", "notifications", "reporting"}
    assert not {"8001", "8002", "8003", "8004"} & set(ports.values())
    assert config["rule_files"] == ["alerts.yml"]


def test_prometheus_under_compose_scrapes_the_unpublished_metrics_port() -> None:
    targets, _ = scrape_targets("prometheus-compose.yml")
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    port = compose["x-environment"]["HOPPID_METRICS_PORT"]
    names = ("intake", "scheduling", "notifications", "reporting")
    assert targets == {f"{name}:{port}": name for name in names}
    for name in names:  # only the public port is published on the host
        published = compose["services"][name]["ports"]
        assert not any(str(port) in mapping for mapping in published), published
