"""No Docker engine here: the compose file and the Dockerfiles are checked statically, and kept
in step with the no-Docker stack (same Kafka version, ports, settings)."""

import re
from pathlib import Path

import pytest
import yaml

from hoppid.shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[1]
SERVICES = {"intake": 8001, "scheduling": 8002, "notifications": 8003, "reporting": 8004}


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
def test_compose_service_matches_its_dockerfile_and_settings(name: str, port: int) -> None:
    service = compose()["services"][name]
    assert service["build"]["dockerfile"] == f"services/{name}/Dockerfile"
    assert service["ports"] == [f"127.0.0.1:{port}:{port}"]
    known = {f"HOPPID_{field.upper()}" for field in ServiceSettings.model_fields}
    assert set(service["environment"]) <= known
    assert set(service["depends_on"]) == {"kafka", "mongodb"}


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
