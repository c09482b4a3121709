"""No Docker engine here: the compose file and the Dockerfiles are checked statically, and kept
in step with the no-Docker stack (same Kafka version, ports, settings)."""

import re
from pathlib import Path

import pytest
import yaml
from pydantic_settings import BaseSettings

from hoppid.intake.settings import IntakeSettings
from hoppid.notifications.settings import NotificationsSettings
from hoppid.reporting.settings import ReportingSettings
from hoppid.scheduling.settings import SchedulingSettings

ROOT = Path(__file__).resolve().parents[1]
SERVICES = {"intake": 8001, "scheduling": 8002, "notifications": 8003, "reporting": 8004}
SETTINGS: dict[str, type[BaseSettings]] = {
    "intake": IntakeSettings,
    "scheduling": SchedulingSettings,
    "notifications": NotificationsSettings,
    "reporting": ReportingSettings,
}


def setting_names(settings: type[BaseSettings]) -> set[str]:
    """The environment variables a settings class reads: HOPPID_<field> or the field's alias."""
    prefix = str(settings.model_config.get("env_prefix", ""))
    return {
        field.validation_alias
        if isinstance(field.validation_alias, str)
        else f"{prefix}{name}".upper()
        for name, field in settings.model_fields.items()
    }


def compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_kafka_mongodb_and_every_service() -> None:
    services = compose()["services"]
    assert {"kafka", "mongodb", *SERVICES} <= set(services)
    pom = (ROOT / "deploy/local/kafka/pom.xml").read_text()
    kafka_version = re.search(r"<kafka.version>(.+)</kafka.version>", pom)
    assert kafka_version is not None
    assert services["kafka"]["image"] == f"apache/kafka:{kafka_version.group(1)}"
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "--replSet" in services["mongodb"]["command"]


@pytest.mark.parametrize(("name", "port"), SERVICES.items())
def test_compose_service_matches_its_dockerfile_and_settings(
    name: str, port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = compose()["services"][name]
    assert service["build"]["dockerfile"] == f"services/{name}/Dockerfile"
    assert service["ports"] == [f"127.0.0.1:{port}:{port}"]
    # every HOPPID_* variable is one the service really reads (a typo would be ignored silently)
    assert set(service["environment"]) <= setting_names(SETTINGS[name])
    assert service["environment"]["HOPPID_KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert service["environment"]["HOPPID_MONGODB_URL"].startswith("mongodb://mongodb:27017/")
    assert {"kafka", "mongodb"} <= set(service["depends_on"])
    assert set(service["depends_on"]) <= set(compose()["services"])
    # the service accepts the values as compose passes them: as environment strings
    for variable, value in service["environment"].items():
        monkeypatch.setenv(variable, str(value))
    settings = SETTINGS[name](_env_file=None)  # type: ignore[call-arg]
    assert settings.kafka_bootstrap_servers == "kafka:9092"  # type: ignore[attr-defined]


def test_setting_names_are_what_the_services_read() -> None:
    names = setting_names(NotificationsSettings)
    assert {"HOPPID_MONGODB_URL", "HOPPID_NOTIFICATIONS_SMTP_HOST"} <= names
    assert "HOPPID_NOTIFICATIONS_PORT" in names
    assert "HOPPID_SMTP_HOST" not in names and "HOPPID_HTTP_PORT" not in names


def test_prometheus_in_compose_scrapes_the_services_by_their_compose_names() -> None:
    services = compose()["services"]
    config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus-compose.yml").read_text())
    local = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    targets = {
        target: group["labels"]["service"]
        for job in config["scrape_configs"]
        for group in job["static_configs"]
        for target in group["targets"]
    }
    assert targets == {f"{name}:{port}": name for name, port in SERVICES.items()}
    # the alert rules select job="hoppid": both configs name the job alike
    assert [job["job_name"] for job in config["scrape_configs"]] == [
        job["job_name"] for job in local["scrape_configs"]
    ]
    assert config["rule_files"] == local["rule_files"] == ["alerts.yml"]
    mounts = bind_mounts(services["prometheus"])
    config_file = next(arg for arg in services["prometheus"]["command"] if "--config.file" in arg)
    config_path = config_file.split("=", 1)[1]
    assert mounts[config_path] == "deploy/prometheus/prometheus-compose.yml"
    # rule files are read relative to the configuration file
    assert mounts[str(Path(config_path).parent / "alerts.yml")] == "deploy/prometheus/alerts.yml"
    assert "127.0.0.1:9090:9090" in services["prometheus"]["ports"]


def bind_mounts(service: dict) -> dict[str, str]:  # type: ignore[type-arg]
    """{container path: repository path} of a compose service's bind mounts (they must exist)."""
    mounts = {}
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith("./"):
            assert (ROOT / source).exists(), f"{source} is mounted but does not exist"
            mounts[target] = source.removeprefix("./")
    return mounts


def test_grafana_in_compose_mounts_its_provisioning_and_the_dashboards() -> None:
    services = compose()["services"]
    mounts = bind_mounts(services["grafana"])
    assert mounts["/etc/grafana/provisioning"] == "deploy/grafana/provisioning"
    providers = yaml.safe_load(
        (ROOT / "deploy/grafana/provisioning/dashboards/hoppid.yml").read_text()
    )["providers"]
    for provider in providers:
        assert mounts[provider["options"]["path"]] == "deploy/grafana/dashboards"
    assert list((ROOT / "deploy/grafana/dashboards").glob("*.json"))
    sources = yaml.safe_load(
        (ROOT / "deploy/grafana/provisioning/datasources/prometheus.yml").read_text()
    )["datasources"]
    # the data source's URL names the compose service and the port Prometheus listens on
    assert [source["url"] for source in sources] == ["http://prometheus:9090"]
    assert "prometheus" in services


def test_notifications_in_compose_sends_mail_to_the_mail_viewer() -> None:
    services = compose()["services"]
    environment = services["notifications"]["environment"]
    viewer = services[environment["HOPPID_NOTIFICATIONS_SMTP_HOST"]]
    assert viewer["image"].startswith("axllent/mailpit:")
    # Mailpit listens for SMTP on 1025 and serves its UI on 8025
    assert int(environment["HOPPID_NOTIFICATIONS_SMTP_PORT"]) == 1025
    assert "127.0.0.1:8025:8025" in viewer["ports"]
    assert environment["HOPPID_NOTIFICATIONS_SMTP_HOST"] in services["notifications"]["depends_on"]


@pytest.mark.parametrize(("name", "port"), SERVICES.items())
def test_dockerfile_is_multi_stage_non_root_and_installs_only_its_service(
    name: str, port: int
) -> None:
    lines = [
        line.strip()
        for line in (ROOT / f"services/{name}/Dockerfile").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    instructions = [line.split()[0] for line in lines]
    assert set(instructions) <= {
        "FROM",
        "COPY",
        "ENV",
        "WORKDIR",
        "RUN",
        "USER",
        "EXPOSE",
        "HEALTHCHECK",
        "CMD",
    }
    assert instructions.count("FROM") == 2
    assert any(line.startswith("USER ") and "root" not in line for line in lines)
    assert instructions.index("USER") > len(instructions) - 5  # the final stage runs unprivileged
    syncs = [line for line in lines if line.startswith("RUN uv sync")]
    assert syncs and all(
        f"--package hoppid-{name}" in line and "--locked" in line for line in syncs
    )
    assert f"EXPOSE {port}" in lines
    assert lines[-1] == f'CMD ["hoppid-{name}"]'
    for line in lines:
        if line.startswith("COPY ") and "--from" not in line:
            source = line.split()[1]
            assert (ROOT / source).exists(), f"{name}: COPY {source} does not exist"
