"""The Kafka users of the k8s manifests (Strimzi KafkaUsers) have the ACLs of the local stack
(deploy/local/kafka/acls.txt, which tests/test_kafka_acls.py exercises against a real broker),
and every service signs in as its own user (docs/security.md, "Kafka")."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "deploy/k8s/base"
SERVICES = ("intake", "scheduling", "notifications", "reporting")
Rule = tuple[str, str, str, str, str]  # user, operation, resource type, pattern type, name


def local_rules() -> set[Rule]:
    rules: set[Rule] = set()
    for line in (ROOT / "deploy/local/kafka/acls.txt").read_text().splitlines():
        text = line.split("#")[0].strip()
        if text:
            user, operations, kind, pattern, name = text.split()
            for operation in operations.split(","):
                rules.add((user, operation.upper(), kind.upper(), pattern.upper(), name))
    return rules


def strimzi_rules() -> set[Rule]:
    patterns = {"literal": "LITERAL", "prefix": "PREFIXED"}
    rules: set[Rule] = set()
    for user in yaml.safe_load_all((BASE / "kafka-users.yaml").read_text()):
        assert user["kind"] == "KafkaUser"
        assert user["spec"]["authentication"] == {"type": "scram-sha-512"}
        for acl in user["spec"]["authorization"]["acls"]:
            resource = acl["resource"]
            for operation in acl["operations"]:
                rules.add(
                    (
                        user["metadata"]["name"],
                        operation.upper(),
                        resource["type"].upper(),
                        patterns[resource["patternType"]],
                        resource["name"],
                    )
                )
    return rules


def test_the_kafka_users_have_the_local_stack_s_acls() -> None:
    assert strimzi_rules() == local_rules()


def test_only_intake_writes_intake_s_topic_and_partners_read_only_the_public_one() -> None:
    rules = local_rules()
    writers = {r[0] for r in rules if r[1] == "WRITE" and r[4] == "hoppid.intake"}
    assert writers == {"intake"}
    partner = {r for r in rules if r[0] == "partner"}
    assert partner == {
        ("partner", "READ", "TOPIC", "LITERAL", "hoppid.public"),
        ("partner", "READ", "GROUP", "PREFIXED", "partner-"),
    }


def test_the_cluster_authenticates_and_each_service_is_its_own_user() -> None:
    (_node_pool, kafka) = yaml.safe_load_all((BASE / "kafka.yaml").read_text())
    assert kafka["kind"] == "Kafka"
    assert kafka["spec"]["kafka"]["authorization"] == {"type": "simple"}
    for listener in kafka["spec"]["kafka"]["listeners"]:
        assert listener["authentication"] == {"type": "scram-sha-512"}, listener["name"]
    config = yaml.safe_load((BASE / "config.yaml").read_text())["data"]
    assert config["HOPPID_KAFKA_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT"
    for service in SERVICES:
        (deployment, *_) = yaml.safe_load_all((BASE / f"{service}.yaml").read_text())
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        env = {variable["name"]: variable for variable in container["env"]}
        assert env["HOPPID_KAFKA_USERNAME"]["value"] == service
        assert env["HOPPID_KAFKA_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
            "name": service,
            "key": "password",
        }
