"""No Docker engine here: the compose file and the Dockerfiles are checked statically, and kept
in step with the no-Docker stack (same Kafka version, ports, settings)."""

import re
import subprocess
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
    assert service["build"]["args"]["SERVICE"] == name  # the one Dockerfile (below)
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
    # each service's metrics port, on the compose network only (issue 13: not the public port)
    metrics = {name: services[name]["environment"]["HOPPID_METRICS_PORT"] for name in SERVICES}
    assert targets == {f"{name}:{port}": name for name, port in metrics.items()}
    assert all(
        str(port) not in str(services[name].get("ports", [])) for name, port in metrics.items()
    )
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


DOCKERFILE = ROOT / "Dockerfile"
VARIABLE = re.compile(r"\$\{?([A-Z_]+)\}?")


def dockerfile_lines() -> list[str]:
    return [
        line.strip()
        for line in DOCKERFILE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]


def test_one_dockerfile_builds_every_service() -> None:
    """The root Dockerfile with SERVICE (and PORT) as build arguments, no copy per service."""
    assert sorted((ROOT / "services").glob("*/Dockerfile")) == []
    lines = dockerfile_lines()
    instructions = [line.split()[0] for line in lines]
    assert set(instructions) <= {
        "FROM",
        "ARG",
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
        '--package "hoppid-${SERVICE}"' in line and "--locked" in line for line in syncs
    )
    assert "EXPOSE ${PORT}" in lines
    # each service's own command, linked to one name: CMD cannot expand a build argument
    assert 'RUN ln -s "hoppid-${SERVICE}" /app/.venv/bin/hoppid-service' in lines
    assert lines[-1] == 'CMD ["hoppid-service"]'


def test_the_dockerfile_reads_a_build_argument_only_in_a_stage_that_declares_it() -> None:
    """An ARG holds only in its stage: one used elsewhere would expand to nothing, silently."""
    stages: list[list[str]] = []
    for line in dockerfile_lines():
        if line.startswith("FROM "):
            stages.append([])
        stages[-1].append(line)
    for stage in stages:
        declared = {"PATH"}  # the base image's
        for line in stage:
            keyword, _, rest = line.partition(" ")
            if keyword in ("ARG", "ENV"):
                declared |= {item.split("=")[0] for item in rest.split()}
                rest = " ".join(item.partition("=")[2] for item in rest.split())
            if keyword in ("CMD", "HEALTHCHECK"):
                continue  # not expanded at build time (the health check reads its ENV)
            assert set(VARIABLE.findall(rest)) <= declared, line


@pytest.mark.parametrize(("name", "port"), SERVICES.items())
def test_the_dockerfile_builds_each_service_from_its_own_files(name: str, port: int) -> None:
    build = compose()["services"][name]["build"]
    assert build == {
        "context": ".",
        "dockerfile": "Dockerfile",
        "args": {"SERVICE": name, "PORT": str(port)},
    }
    for line in dockerfile_lines():
        if line.startswith("COPY ") and "--from" not in line:
            source = line.split()[1].replace("${SERVICE}", name)
            assert (ROOT / source).exists(), f"{name}: COPY {source} does not exist"
    # the command the image runs, hoppid-<name>, is the service's own
    project = (ROOT / f"services/{name}/pyproject.toml").read_text()
    assert re.search(rf"^hoppid-{name} = ", project, re.M)
    assert SETTINGS[name].model_fields["http_port"].default == port  # PORT: its default


# Kafka in compose: SASL users and ACLs as on the local stack with HOPPID_KAFKA_SASL=on and in the
# k8s manifests (docs/security.md, "Kafka"). Checked here statically, and kafka-admin.sh (what
# the kafka-init container runs) against recording stand-ins of the image's tools.
KAFKA_ADMIN = ROOT / "deploy/compose/kafka-admin.sh"
ACLS = ROOT / "deploy/local/kafka/acls.txt"
NO_DEFAULT = re.compile(r"^\$\{(HOPPID_KAFKA_[A-Z]+_PASSWORD):\?[^}]+\}$")
Rule = tuple[str, str, str, str, str]  # user, operation, resource type, pattern type, name


def local_kafka_users() -> list[str]:
    """The users the local stack makes (deploy/local/kafka.sh's KAFKA_USERS)."""
    found = re.search(r"^KAFKA_USERS=\((.*)\)$", (ROOT / "deploy/local/kafka.sh").read_text(), re.M)
    assert found is not None
    return found.group(1).split()


def acls_txt_rules() -> set[Rule]:
    rules: set[Rule] = set()
    for line in ACLS.read_text().splitlines():
        if text := line.split("#")[0].strip():
            user, operations, kind, pattern, name = text.split()
            rules |= {(user, op.upper(), kind, pattern, name) for op in operations.split(",")}
    return rules


def kafka_properties(environment: dict[str, object]) -> dict[str, str]:
    """The server.properties the apache/kafka image makes of KAFKA_* variables: `_` is `.`, `__`
    is `_`, `___` is `-` (its KafkaDockerWrapper; KAFKA_HEAP_OPTS and the like are not keys)."""
    excluded = {"KAFKA_HEAP_OPTS", "KAFKA_OPTS", "KAFKA_JMX_OPTS", "KAFKA_LOG4J_OPTS"}
    return {
        key.removeprefix("KAFKA_")
        .lower()
        .replace("_", ".")
        .replace("...", "-")
        .replace("..", "_"): str(value)
        for key, value in environment.items()
        if key.startswith("KAFKA_") and key not in excluded
    }


def test_compose_kafka_has_no_listener_without_a_user_and_authorizes_by_acl() -> None:
    kafka = compose()["services"]["kafka"]
    properties = kafka_properties(kafka["environment"])
    protocols = dict(
        item.split(":") for item in properties["listener.security.protocol.map"].split(",")
    )
    listeners = {item.split("://")[0] for item in properties["listeners"].split(",")}
    assert listeners == set(protocols)
    assert {
        item.split("://")[0] for item in properties["advertised.listeners"].split(",")
    } <= listeners
    # every listener, the controller's and the broker's own too, wants a user: no PLAINTEXT
    assert set(protocols.values()) == {"SASL_PLAINTEXT"}
    for listener in listeners:
        mechanisms = properties[f"listener.name.{listener.lower()}.sasl.enabled.mechanisms"]
        for mechanism in mechanisms.split(","):
            jaas = properties[
                f"listener.name.{listener.lower()}.{mechanism.lower()}.sasl.jaas.config"
            ]
            # a password only from the environment, never written here
            assert 'password="' not in jaas or '="${HOPPID_KAFKA_ADMIN_PASSWORD:?' in jaas
    # the one published port is the services' and partners' listener: SCRAM-SHA-512 only
    (published,) = kafka["ports"]
    client = next(
        item.split("://")[0]
        for item in properties["listeners"].split(",")
        if item.endswith(":" + published.rsplit(":", 1)[1])
    )
    assert properties[f"listener.name.{client.lower()}.sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert properties["authorizer.class.name"] == (
        "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    )
    assert properties["super.users"] == "User:admin"
    assert properties["allow.everyone.if.no.acl.found"] == "false"
    # the users and ACLs live in the metadata log: in the volume, not the image's /tmp default
    assert f"kafka-data:{properties['log.dirs']}" in kafka["volumes"]
    assert NO_DEFAULT.match(kafka["environment"]["HOPPID_KAFKA_ADMIN_PASSWORD"])
    assert kafka["healthcheck"]["test"][-2:] == ["/opt/hoppid/kafka-admin.sh", "health"]
    assert bind_mounts(kafka)["/opt/hoppid/kafka-admin.sh"] == "deploy/compose/kafka-admin.sh"


def test_each_compose_service_signs_in_to_kafka_as_its_own_user() -> None:
    services = compose()["services"]
    passwords = set()
    for name in SERVICES:
        environment = services[name]["environment"]
        assert environment["HOPPID_KAFKA_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT"
        assert environment["HOPPID_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
        assert environment["HOPPID_KAFKA_USERNAME"] == name
        # no usable default: compose stops until HOPPID_KAFKA_<NAME>_PASSWORD is given
        password = NO_DEFAULT.match(environment["HOPPID_KAFKA_PASSWORD"])
        assert password is not None and password.group(1) == f"HOPPID_KAFKA_{name.upper()}_PASSWORD"
        passwords.add(password.group(1))
        # it starts once the users and ACLs are in place
        assert services[name]["depends_on"]["kafka-init"] == {
            "condition": "service_completed_successfully"
        }
    assert len(passwords) == len(SERVICES)


def test_compose_kafka_init_makes_the_local_stack_s_users_with_acls_txt() -> None:
    services = compose()["services"]
    init = services["kafka-init"]
    assert init["image"] == services["kafka"]["image"]
    assert init["depends_on"] == {"kafka": {"condition": "service_healthy"}}
    script = init["entrypoint"][1]
    mounts = bind_mounts(init)
    assert mounts[script] == "deploy/compose/kafka-admin.sh"
    assert init["entrypoint"] == ["bash", script, "init"]
    # the same file the local stack and the k8s KafkaUsers are checked against
    assert mounts["/opt/hoppid/acls.txt"] == "deploy/local/kafka/acls.txt"
    users = local_kafka_users()
    assert {f"HOPPID_KAFKA_{user.upper()}_PASSWORD" for user in users} == set(init["environment"])
    for variable, value in init["environment"].items():
        match = NO_DEFAULT.match(value)
        assert match is not None and match.group(1) == variable
    assert {rule[0] for rule in acls_txt_rules()} <= set(users)


def run_kafka_admin(tmp_path: Path, command: str, **env: str) -> tuple[int, list[list[str]]]:
    """kafka-admin.sh with stand-ins for the image's tools that record their arguments."""
    record = tmp_path / "calls"
    for tool in ("kafka-configs.sh", "kafka-acls.sh", "kafka-broker-api-versions.sh"):
        stand_in = tmp_path / tool
        stand_in.write_text(f'#!/bin/sh\necho {tool} "$@" >>"{record}"\n')
        stand_in.chmod(0o755)
    passwords = {
        f"HOPPID_KAFKA_{u.upper()}_PASSWORD": f"{u}-{'x' * 24}" for u in local_kafka_users()
    }
    done = subprocess.run(
        ["bash", str(KAFKA_ADMIN), command],
        env={"PATH": "/usr/bin:/bin", "KAFKA_BIN": str(tmp_path), "HOPPID_KAFKA_ACLS": str(ACLS)}
        | passwords
        | env,
        capture_output=True,
        text=True,
        check=False,
    )
    calls = [line.split() for line in record.read_text().splitlines()] if record.exists() else []
    return done.returncode, calls


def option_values(call: list[str], option: str) -> list[str]:
    return [call[i + 1] for i, arg in enumerate(call) if arg == option]


def test_kafka_init_adds_every_user_and_exactly_the_acls_of_acls_txt(tmp_path: Path) -> None:
    status, calls = run_kafka_admin(tmp_path, "init")
    assert status == 0
    assert all(option_values(call, "--bootstrap-server") == ["kafka:9094"] for call in calls)
    configs = [call for call in calls if call[0] == "kafka-configs.sh"]
    assert [option_values(call, "--entity-name") for call in configs] == [
        [user] for user in local_kafka_users()
    ]
    assert all(
        option_values(call, "--add-config") == [f"SCRAM-SHA-512=[password={user}-{'x' * 24}]"]
        for call, user in zip(configs, local_kafka_users(), strict=True)
    )
    applied: set[Rule] = set()
    for call in (call for call in calls if call[0] == "kafka-acls.sh"):
        (principal,) = option_values(call, "--allow-principal")
        (pattern,) = option_values(call, "--resource-pattern-type")
        resources = [("TOPIC", name) for name in option_values(call, "--topic")] + [
            ("GROUP", name) for name in option_values(call, "--group")
        ]
        applied |= {
            (principal.removeprefix("User:"), operation, kind, pattern.upper(), name)
            for operation in option_values(call, "--operation")
            for kind, name in resources
        }
    assert applied == acls_txt_rules()


def test_kafka_admin_refuses_a_short_password_before_making_any_user(tmp_path: Path) -> None:
    status, calls = run_kafka_admin(tmp_path, "init", HOPPID_KAFKA_PARTNER_PASSWORD="changeme")
    assert status != 0 and calls == []
    status, calls = run_kafka_admin(tmp_path, "health", HOPPID_KAFKA_ADMIN_PASSWORD="")
    assert status != 0 and calls == []
