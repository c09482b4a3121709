"""The alert rules and the dashboard's queries, checked by Prometheus's own promtool.

promtool comes from Debian's prometheus package, fetched once into the cache by
scripts/promtool.sh (nothing installed). `promtool check rules` parses every rule;
`promtool test rules` plays deploy/prometheus/alerts.test.yml, where each alert must fire on
series made for it and stay quiet on series that look alike. The dashboard's queries are parsed
by the same tool as recording rules of a rules file made for the check. That the metrics and
labels they name exist: tests/test_operations_config.py."""

import json
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PROMETHEUS = ROOT / "deploy/prometheus"


@pytest.fixture(scope="module")
def promtool() -> str:
    fetched = subprocess.run(
        [ROOT / "scripts/promtool.sh", "--path"], capture_output=True, text=True, timeout=600
    )
    assert fetched.returncode == 0, fetched.stderr
    return fetched.stdout.strip()


def run(promtool: str, *args: str | Path, cwd: Path = PROMETHEUS) -> str:
    done = subprocess.run(
        [promtool, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def alerts() -> set[str]:
    rules = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
    return {rule["alert"] for group in rules["groups"] for rule in group["rules"]}


def test_promtool_accepts_the_alert_rules(promtool: str) -> None:
    assert f"SUCCESS: {len(alerts())} rules found" in run(promtool, "check", "rules", "alerts.yml")


def test_every_alert_fires_on_its_series_and_not_on_others(promtool: str) -> None:
    assert "SUCCESS" in run(promtool, "test", "rules", "alerts.test.yml")


def test_the_unit_tests_cover_every_alert_both_ways() -> None:
    """Each alert has a case where it fires and one where it must not (an empty exp_alerts)."""
    tests = yaml.safe_load((PROMETHEUS / "alerts.test.yml").read_text())
    cases = [case for test in tests["tests"] for case in test["alert_rule_test"]]
    fires = {case["alertname"] for case in cases if case.get("exp_alerts")}
    quiet = {case["alertname"] for case in cases if not case.get("exp_alerts")}
    assert alerts() - fires == set(), "alerts no test makes fire"
    assert alerts() - quiet == set(), "alerts no test keeps quiet"


def test_promtool_parses_every_dashboard_query(promtool: str, tmp_path: Path) -> None:
    dashboard = json.loads((ROOT / "deploy/grafana/dashboards/hoppid.json").read_text())
    rules = [
        {"record": f"dashboard:panel_{panel['id']}:{target['refId']}", "expr": target["expr"]}
        for panel in dashboard["panels"]
        for target in panel["targets"]
    ]
    (tmp_path / "dashboard.yml").write_text(
        yaml.safe_dump({"groups": [{"name": "d", "rules": rules}]})
    )
    out = run(promtool, "check", "rules", "dashboard.yml", cwd=tmp_path)
    assert f"SUCCESS: {len(rules)} rules found" in out


def test_the_dashboard_is_one_grafana_can_load() -> None:
    """Unique panel ids and query ids, the provisioned data source, panels on the grid."""
    dashboard = json.loads((ROOT / "deploy/grafana/dashboards/hoppid.json").read_text())
    sources = yaml.safe_load(
        (ROOT / "deploy/grafana/provisioning/datasources/prometheus.yml").read_text()
    )
    uids = {source["uid"] for source in sources["datasources"]}
    panels = dashboard["panels"]
    assert len({panel["id"] for panel in panels}) == len(panels)
    for panel in panels:
        assert panel["datasource"]["uid"] in uids, panel["title"]
        refs = [target["refId"] for target in panel["targets"]]
        assert refs and len(set(refs)) == len(refs), panel["title"]
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24 and grid["w"] > 0 and grid["h"] > 0, panel["title"]
    cells = [
        (x, y)
        for p in panels
        for x in range(p["gridPos"]["x"], p["gridPos"]["x"] + p["gridPos"]["w"])
        for y in range(p["gridPos"]["y"], p["gridPos"]["y"] + p["gridPos"]["h"])
    ]
    assert len(cells) == len(set(cells)), "panels overlap"
