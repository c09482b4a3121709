"""deploy/k8s checked without a cluster: every file parses, the kustomizations are built here (the
subset of kustomize they use, refusing anything else), and the objects they make must hang
together — references resolve, probes and ports match the services, the topics are the ones the
services use — and the core objects must pass the Kubernetes JSON schemas (kubernetes-validate).
"""

from __future__ import annotations

import base64
import copy
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import kubernetes_validate
import pytest
import yaml
from pydantic_settings import BaseSettings

from hoppid.intake.main import build as build_intake
from hoppid.intake.settings import IntakeSettings
from hoppid.notifications.main import build as build_notifications
from hoppid.notifications.settings import NotificationsSettings
from hoppid.reporting.main import build as build_reporting
from hoppid.reporting.settings import ReportingSettings
from hoppid.scheduling.main import build as build_scheduling
from hoppid.scheduling.settings import SchedulingSettings
from hoppid.shared.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy/k8s"
BASE = K8S / "base"
COUNTY = K8S / "overlays/county"
SERVICES = {"intake": 8001, "scheduling": 8002, "notifications": 8003, "reporting": 8004}
# the topics read from their beginning: kept without a time limit (docs/retention.md)
FULL_HISTORY = {"hoppid.intake", "hoppid.scheduling", "hoppid.public"}
METRICS_PORT = 9100  # HOPPID_METRICS_PORT of every pod: its own address, so one port for all
SETTINGS: dict[str, type[BaseSettings]] = {
    "intake": IntakeSettings,
    "scheduling": SchedulingSettings,
    "notifications": NotificationsSettings,
    "reporting": ReportingSettings,
}
KUBERNETES_VERSION = "1.31"  # the oldest release the manifests are meant for
CLUSTER_SCOPED = {"Namespace"}

Object = dict[str, Any]


# --- a small kustomize: the features deploy/k8s uses, nothing else --------------------------


def documents(path: Path) -> list[Object]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def merge(target: Any, patch: Any) -> Any:
    """Strategic merge as kustomize does it for what we patch: maps merge, named lists merge
    by name, other lists are replaced."""
    if isinstance(target, dict) and isinstance(patch, dict):
        merged = dict(target)
        for key, value in patch.items():
            merged[key] = merge(target[key], value) if key in target else copy.deepcopy(value)
        return merged
    if (
        isinstance(target, list)
        and isinstance(patch, list)
        and all(isinstance(item, dict) and "name" in item for item in [*target, *patch])
    ):
        by_name = {item["name"]: item for item in target}
        result = [
            merge(item, next((p for p in patch if p["name"] == item["name"]), {}))
            for item in target
        ]
        return result + [copy.deepcopy(p) for p in patch if p["name"] not in by_name]
    return copy.deepcopy(patch)


def identity(obj: Object) -> tuple[str, str]:
    return obj["kind"], obj["metadata"]["name"]


def find(objects: list[Object], kind: str, name: str | None = None) -> list[Object]:
    return [o for o in objects if o["kind"] == kind and name in (None, o["metadata"]["name"])]


def env_file(path: Path) -> dict[str, str]:
    """A generator's env file; where the real one is not committed, its .example stands in."""
    if not path.exists():
        path = path.with_name(path.name + ".example")
    pairs = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value
    return pairs


def build(folder: Path) -> list[Object]:
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    known = {"apiVersion", "kind", "resources", "namespace", "labels", "patches", "secretGenerator"}
    assert set(kustomization) <= known, f"{folder}: kustomize features this test does not build"
    objects: list[Object] = []
    for resource in kustomization.get("resources", []):
        path = (folder / resource).resolve()
        assert path.exists(), f"{folder}: resource {resource} does not exist"
        objects += build(path) if path.is_dir() else documents(path)
    for generator in kustomization.get("secretGenerator", []):
        assert generator.get("options", {}).get("disableNameSuffixHash") is True
        pairs: dict[str, str] = {}
        for name in generator.get("envs", []):
            pairs |= env_file(folder / name)
        secret = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": generator["name"]},
            "type": "Opaque",
            "data": {k: base64.b64encode(v.encode()).decode() for k, v in pairs.items()},
        }
        existing = find(objects, "Secret", generator["name"])
        if generator.get("behavior") == "replace":
            assert existing, f"{folder}: replaces a Secret {generator['name']} nobody defines"
            objects = [o for o in objects if o is not existing[0]]
        objects.append(secret)
    for entry in kustomization.get("patches", []):
        assert set(entry) <= {"path", "target"}
        (patch,) = documents(folder / entry["path"])
        target = entry.get("target", {"kind": patch["kind"], "name": patch["metadata"]["name"]})
        matched = find(objects, target["kind"], target.get("name"))
        assert matched, f"{folder}: patch {entry['path']} matches nothing"
        for obj in matched:
            patched = merge(obj, {k: v for k, v in patch.items() if k != "metadata"})
            patched["metadata"] = merge(
                obj["metadata"], {k: v for k, v in patch["metadata"].items() if k != "name"}
            )
            objects[objects.index(obj)] = patched
    for labels in kustomization.get("labels", []):
        assert labels.get("includeSelectors") is False
        for obj in objects:
            obj["metadata"].setdefault("labels", {}).update(labels["pairs"])
            template = obj.get("spec", {}).get("template")
            if labels.get("includeTemplates") and template is not None:
                template.setdefault("metadata", {}).setdefault("labels", {}).update(labels["pairs"])
    if "namespace" in kustomization:
        for obj in objects:
            if obj["kind"] not in CLUSTER_SCOPED:
                obj["metadata"]["namespace"] = kustomization["namespace"]
    ids = [identity(o) for o in objects]
    assert len(ids) == len(set(ids)), f"{folder}: an object is defined twice"
    return objects


BUILDS = {"base": BASE, "county": COUNTY}


@pytest.fixture(scope="module", params=sorted(BUILDS))
def built(request: pytest.FixtureRequest) -> tuple[str, list[Object]]:
    return request.param, build(BUILDS[request.param])


# --- helpers over the built objects ----------------------------------------------------------


def setting_names(settings: type[BaseSettings]) -> set[str]:
    prefix = str(settings.model_config.get("env_prefix", ""))
    return {
        field.validation_alias
        if isinstance(field.validation_alias, str)
        else f"{prefix}{name}".upper()
        for name, field in settings.model_fields.items()
    }


def secret_values(objects: list[Object], name: str) -> dict[str, str]:
    (secret,) = find(objects, "Secret", name)
    values = {k: base64.b64decode(v).decode() for k, v in secret.get("data", {}).items()}
    return values | {k: str(v) for k, v in secret.get("stringData", {}).items()}


def config_values(objects: list[Object], name: str) -> dict[str, str]:
    (config,) = find(objects, "ConfigMap", name)
    return {k: str(v) for k, v in config.get("data", {}).items()}


def container(deployment: Object) -> Object:
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    return only


def port_number(pod: Object, port: int | str) -> int:
    """A probe's or Service's port, by number or by the name of a container port."""
    if isinstance(port, int):
        return port
    numbers = [
        p["containerPort"] for c in pod["containers"] for p in c["ports"] if p["name"] == port
    ]
    assert numbers, f"no container port named {port}"
    return int(numbers[0])


def environment(objects: list[Object], deployment: Object) -> dict[str, str]:
    """What the container's environment holds, resolved from its ConfigMaps and Secrets."""
    env: dict[str, str] = {}
    for source in container(deployment).get("envFrom", []):
        if "configMapRef" in source:
            env |= config_values(objects, source["configMapRef"]["name"])
        if "secretRef" in source:
            env |= secret_values(objects, source["secretRef"]["name"])
    for variable in container(deployment).get("env", []):
        if "value" in variable:
            env[variable["name"]] = variable["value"]
        elif "secretKeyRef" in variable["valueFrom"]:
            ref = variable["valueFrom"]["secretKeyRef"]
            if find(objects, "KafkaUser", ref["name"]):  # Strimzi makes its password's Secret
                env[variable["name"]] = f"<{ref['name']}'s password>"
            else:
                env[variable["name"]] = secret_values(objects, ref["name"])[ref["key"]]
        else:
            ref = variable["valueFrom"]["configMapKeyRef"]
            env[variable["name"]] = config_values(objects, ref["name"])[ref["key"]]
    return env


def used_topics() -> set[str]:
    """The topics the four services write or read, dead-letter topics included, as built."""
    topics: set[str] = set()
    for build_app, settings in [
        (build_intake, IntakeSettings),
        (build_scheduling, SchedulingSettings),
        (build_notifications, NotificationsSettings),
        (build_reporting, ReportingSettings),
    ]:
        app = build_app(settings(_env_file=None, topic_prefix=""))  # type: ignore[operator]
        topics |= set(app.state.runtime.all_topics())
    return topics


# --- the files -------------------------------------------------------------------------------


def test_every_file_parses_and_every_kustomization_builds() -> None:
    files = sorted(K8S.rglob("*.yaml"))
    assert len(files) >= 10
    kustomizations = {BASE / "kustomization.yaml", COUNTY / "kustomization.yaml"}
    for path in sorted(set(files) - kustomizations):
        for doc in documents(path):
            assert {"apiVersion", "kind", "metadata"} <= set(doc), path
    used = {
        (folder / resource).resolve()
        for folder in [BASE, COUNTY]
        for key in ["resources"]
        for resource in yaml.safe_load((folder / "kustomization.yaml").read_text())[key]
    }
    patches = {
        (COUNTY / entry["path"]).resolve()
        for entry in yaml.safe_load((COUNTY / "kustomization.yaml").read_text())["patches"]
    }
    orphans = [p for p in files if p.resolve() not in used | patches and p not in kustomizations]
    assert orphans == [], "files no kustomization uses"
    for folder in BUILDS.values():
        assert build(folder)


def test_the_builder_refuses_what_it_cannot_check(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources: [missing.yaml]\n")
    with pytest.raises(AssertionError, match="does not exist"):
        build(tmp_path)
    (tmp_path / "kustomization.yaml").write_text("images: []\n")
    with pytest.raises(AssertionError, match="features"):
        build(tmp_path)


def test_core_objects_pass_the_kubernetes_schemas(built: tuple[str, list[Object]]) -> None:
    _, objects = built
    checked = 0
    for obj in objects:
        if obj["apiVersion"].startswith("kafka.strimzi.io/"):
            continue  # a custom resource: checked by the Kafka tests below
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        checked += 1
    assert checked >= 9


def test_the_schema_check_catches_a_mistake() -> None:
    deployment = copy.deepcopy(find(build(BASE), "Deployment", "intake")[0])
    container(deployment)["readinessProbe"]["httpGet"]["pathh"] = "/readyz"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


# --- the services ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "port"), SERVICES.items())
def test_each_service_runs_probed_limited_and_unprivileged(
    built: tuple[str, list[Object]], name: str, port: int
) -> None:
    _, objects = built
    (deployment,) = find(objects, "Deployment", name)
    pod = deployment["spec"]["template"]["spec"]
    main = container(deployment)
    # the public port, and the metrics port (offices' figures: no Service leads to it)
    assert [(p["name"], p["containerPort"]) for p in main["ports"]] == [
        ("http", port),
        ("metrics", METRICS_PORT),
    ]
    assert main["image"].startswith(f"hoppid/{name}:")
    assert port_number(pod, main["readinessProbe"]["httpGet"]["port"]) == port
    assert main["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert port_number(pod, main["livenessProbe"]["httpGet"]["port"]) == port
    assert main["livenessProbe"]["httpGet"]["path"] == "/healthz"
    for kind in ["requests", "limits"]:
        assert {"cpu", "memory"} <= set(main["resources"][kind])
    dockerfile = (ROOT / "Dockerfile").read_text()  # one for every service
    uid = re.search(r"--uid (\d+)", dockerfile)
    assert uid is not None
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == int(uid.group(1))
    assert main["securityContext"]["allowPrivilegeEscalation"] is False
    assert main["securityContext"]["capabilities"]["drop"] == ["ALL"]
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(METRICS_PORT)  # scraped on the pod
    assert annotations["prometheus.io/path"] == "/metrics"
    # the service's own port setting, if given, must agree with the container port
    env = environment(objects, deployment)
    assert int(env.get(f"HOPPID_{name.upper()}_PORT", port)) == port
    assert env["HOPPID_HTTP_HOST"] == "0.0.0.0"
    assert (env["HOPPID_METRICS_HOST"], env["HOPPID_METRICS_PORT"]) == (
        "0.0.0.0",
        str(METRICS_PORT),
    )


def test_every_reference_resolves(built: tuple[str, list[Object]]) -> None:
    _, objects = built
    secrets = {o["metadata"]["name"]: o for o in find(objects, "Secret")}
    configs = {o["metadata"]["name"] for o in find(objects, "ConfigMap")}
    kafka_users = {o["metadata"]["name"] for o in find(objects, "KafkaUser")}
    for workload in [
        *find(objects, "Deployment"),
        *find(objects, "StatefulSet"),
        *find(objects, "Job"),
    ]:
        pod = workload["spec"]["template"]["spec"]
        for each in pod["containers"]:
            for source in each.get("envFrom", []):
                if "configMapRef" in source:
                    assert source["configMapRef"]["name"] in configs
                if "secretRef" in source:
                    assert source["secretRef"]["name"] in secrets
            for variable in each.get("env", []):
                ref = variable.get("valueFrom", {})
                if "secretKeyRef" in ref and ref["secretKeyRef"]["name"] in kafka_users:
                    # Strimzi's User Operator makes this Secret, with the user's password
                    assert ref["secretKeyRef"]["key"] == "password", variable["name"]
                elif "secretKeyRef" in ref:
                    values = secret_values(objects, ref["secretKeyRef"]["name"])
                    assert ref["secretKeyRef"]["key"] in values, variable["name"]
                if "configMapKeyRef" in ref:
                    values = config_values(objects, ref["configMapKeyRef"]["name"])
                    assert ref["configMapKeyRef"]["key"] in values, variable["name"]
        for volume in pod.get("volumes", []):
            if "secret" in volume:
                assert volume["secret"]["secretName"] in secrets
            if "configMap" in volume:
                assert volume["configMap"]["name"] in configs
    for hpa in find(objects, "HorizontalPodAutoscaler"):
        ref = hpa["spec"]["scaleTargetRef"]
        assert find(objects, ref["kind"], ref["name"]), f"HPA {ref['name']} scales nothing"


def test_every_service_selects_pods_and_their_port(built: tuple[str, list[Object]]) -> None:
    _, objects = built
    workloads = [*find(objects, "Deployment"), *find(objects, "StatefulSet")]
    for service in find(objects, "Service"):
        selector = service["spec"]["selector"]
        selected = [
            w
            for w in workloads
            if selector.items() <= w["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert len(selected) == 1, f"Service {service['metadata']['name']} selects {len(selected)}"
        pod = selected[0]["spec"]["template"]["spec"]
        for port in service["spec"]["ports"]:
            port_number(pod, port.get("targetPort", port["port"]))
        # and each workload's own selector matches its pods
        workload = selected[0]
        assert (
            workload["spec"]["selector"]["matchLabels"].items()
            <= workload["spec"]["template"]["metadata"]["labels"].items()
        )
    for name, port in SERVICES.items():
        (service,) = find(objects, "Service", name)
        assert [p["port"] for p in service["spec"]["ports"]] == [port]


def test_every_setting_named_is_one_a_service_reads(built: tuple[str, list[Object]]) -> None:
    _, objects = built
    every = set().union(*(setting_names(s) for s in SETTINGS.values()))
    for config in find(objects, "ConfigMap"):
        assert set(config.get("data", {})) <= every
    assert set(secret_values(objects, "hoppid-secrets")) <= every
    for name, settings in SETTINGS.items():
        (deployment,) = find(objects, "Deployment", name)
        names = {v["name"] for v in container(deployment).get("env", [])}
        assert names <= setting_names(settings), name


def test_the_base_secrets_fail_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Deployed without its secrets filled in, a service refuses to start, naming them."""
    for variable, value in secret_values(build(BASE), "hoppid-secrets").items():
        monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as stopped:
        load_settings(IntakeSettings)
    assert "HOPPID_MONGODB_URL" in str(stopped.value)
    assert "HOPPID_LINK_SECRET" in str(stopped.value)
    assert "secrets.env" in (COUNTY / ".gitignore").read_text().split()


# --- one instance unless the store is MongoDB ------------------------------------------------


def mongodb_replica_set(objects: list[Object]) -> tuple[str, list[str]] | None:
    """(replica set, member host:port) of a MongoDB StatefulSet in the build, if there is one."""
    for statefulset in find(objects, "StatefulSet"):
        command = container(statefulset).get("command", [])
        if "mongod" in command and "--replSet" in command:
            name = statefulset["metadata"]["name"]
            service = statefulset["spec"]["serviceName"]
            hosts = [f"{name}-{i}.{service}:27017" for i in range(statefulset["spec"]["replicas"])]
            return command[command.index("--replSet") + 1], hosts
    return None


def test_several_instances_only_on_the_mongodb_replica_set(built: tuple[str, list[Object]]) -> None:
    label, objects = built
    replica_set = mongodb_replica_set(objects)
    scaled = [
        d
        for d in find(objects, "Deployment")
        if d["spec"]["replicas"] > 1 or d["spec"]["strategy"]["type"] != "Recreate"
    ]
    hpas = find(objects, "HorizontalPodAutoscaler")
    if label == "base":
        assert replica_set is None and scaled == [] and hpas == []
        return
    assert replica_set is not None, "the county overlay scales out: it needs its MongoDB"
    name, hosts = replica_set
    assert len(hosts) == 3
    url = urlsplit(secret_values(objects, "hoppid-secrets")["HOPPID_MONGODB_URL"])
    assert url.scheme == "mongodb"
    assert url.netloc.split(",") == hosts
    assert parse_qs(url.query)["replicaSet"] == [name]
    (headless,) = find(objects, "Service", "mongodb")
    assert headless["spec"]["clusterIP"] == "None"
    # the replica set is initiated once, with exactly those members
    (job,) = find(objects, "Job")
    script = " ".join(container(job)["command"])
    assert "rs.initiate" in script and f'_id: "{name}"' in script
    assert re.findall(r'host: "([^"]+)"', script) == hosts
    partitions = int(config_values(objects, "hoppid-config")["HOPPID_TOPIC_PARTITIONS"])
    assert {h["spec"]["scaleTargetRef"]["name"] for h in hpas} == set(SERVICES)
    for hpa in hpas:
        spec = hpa["spec"]
        # more consumers than partitions would idle
        assert 1 < spec["minReplicas"] <= spec["maxReplicas"] <= partitions
        (deployment,) = find(objects, "Deployment", spec["scaleTargetRef"]["name"])
        assert spec["minReplicas"] <= deployment["spec"]["replicas"] <= spec["maxReplicas"]
        assert [m["resource"]["name"] for m in spec["metrics"]] == ["cpu"]
        if hpa["metadata"]["name"] != "intake":  # the consumers: lag is their better signal
            annotations = hpa["metadata"]["annotations"]
            assert annotations["hoppid.no/scale-on-lag-metric"] == "hoppid_consumer_lag_events"


# --- Kafka -----------------------------------------------------------------------------------


def test_kafka_has_three_kraft_nodes_and_safe_replication(built: tuple[str, list[Object]]) -> None:
    _, objects = built
    (kafka,) = find(objects, "Kafka")
    cluster = kafka["metadata"]["name"]
    assert kafka["metadata"]["annotations"]["strimzi.io/node-pools"] == "enabled"
    pools = [
        p
        for p in find(objects, "KafkaNodePool")
        if p["metadata"]["labels"]["strimzi.io/cluster"] == cluster
    ]
    brokers = sum(p["spec"]["replicas"] for p in pools if "broker" in p["spec"]["roles"])
    controllers = sum(p["spec"]["replicas"] for p in pools if "controller" in p["spec"]["roles"])
    assert brokers == 3 and controllers in (3, 5)
    config = kafka["spec"]["kafka"]["config"]
    assert config["default.replication.factor"] == 3
    assert config["min.insync.replicas"] == 2
    assert config["offsets.topic.replication.factor"] == 3
    (plain,) = [li for li in kafka["spec"]["kafka"]["listeners"] if li["tls"] is False]
    bootstrap = config_values(objects, "hoppid-config")["HOPPID_KAFKA_BOOTSTRAP_SERVERS"]
    assert bootstrap == f"{cluster}-kafka-bootstrap:{plain['port']}"


def test_the_kafka_topics_are_the_ones_the_services_use(built: tuple[str, list[Object]]) -> None:
    _, objects = built
    (kafka,) = find(objects, "Kafka")
    topics = find(objects, "KafkaTopic")
    names = {t["spec"].get("topicName", t["metadata"]["name"]) for t in topics}
    expected = used_topics()
    assert {
        "hoppid.intake",
        "hoppid.scheduling",
        "hoppid.notifications",
        "hoppid.public",
    } <= expected
    assert names == expected
    partitions = int(config_values(objects, "hoppid-config")["HOPPID_TOPIC_PARTITIONS"])
    for topic in topics:
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
        assert topic["spec"]["partitions"] == partitions
        assert topic["spec"]["replicas"] == 3
        assert topic["spec"]["config"]["min.insync.replicas"] == 2
        retention = topic["spec"]["config"]["retention.ms"]
        # the topics read from their beginning are kept (reporting rebuilds from intake's and
        # scheduling's, partners start from the public one's); the rest for a while
        # (docs/retention.md)
        if topic["metadata"]["name"] in FULL_HISTORY:
            assert retention == -1
        else:
            assert 7 * 24 * 3600 * 1000 <= retention <= 365 * 24 * 3600 * 1000
