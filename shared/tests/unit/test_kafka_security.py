"""The Kafka credentials a service or a test client authenticates with (HOPPID_KAFKA_*)."""

from __future__ import annotations

from pathlib import Path

import pytest
from faststream.security import SASLScram512

from hoppid.shared.kafka import KafkaSecurity, client_options
from hoppid.shared.settings import ServiceSettings, SettingsError, load_settings
from hoppid.shared.testing import stack_kafka_credentials

KAFKA_VARIABLES = (
    "HOPPID_KAFKA_SECURITY_PROTOCOL",
    "HOPPID_KAFKA_SASL_MECHANISM",
    "HOPPID_KAFKA_USERNAME",
    "HOPPID_KAFKA_PASSWORD",
)


@pytest.fixture(autouse=True)
def _no_kafka_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sets what it means: the suite may run with a SASL stack's admin user."""
    for name in KAFKA_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_nothing_set_is_plaintext_as_before() -> None:
    security = KafkaSecurity.of(ServiceSettings())
    assert not security.sasl
    assert security.faststream() is None
    assert client_options("h:1", security) == {
        "bootstrap_servers": "h:1",
        "security_protocol": "PLAINTEXT",
    }


def test_sasl_settings_reach_aiokafka_and_faststream() -> None:
    settings = ServiceSettings(
        kafka_security_protocol="sasl_plaintext", kafka_username="intake", kafka_password="pw"
    )
    security = KafkaSecurity.of(settings)
    assert client_options("h:1", security, acks="all") == {
        "bootstrap_servers": "h:1",
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "intake",
        "sasl_plain_password": "pw",
        "acks": "all",
    }
    faststream = security.faststream()
    assert isinstance(faststream, SASLScram512)
    assert (faststream.username, faststream.password, faststream.use_ssl) == ("intake", "pw", False)
    assert "pw" not in repr(security)


def test_the_environment_is_read_when_no_settings_are_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOPPID_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("HOPPID_KAFKA_USERNAME", "admin")
    monkeypatch.setenv("HOPPID_KAFKA_PASSWORD", "secret-pw")
    assert client_options("h:1")["sasl_plain_username"] == "admin"


def test_sasl_without_a_user_stops_start_up_without_showing_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOPPID_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("HOPPID_KAFKA_PASSWORD", "secret-pw")
    with pytest.raises(SettingsError) as error:
        load_settings(ServiceSettings)
    assert "HOPPID_KAFKA_USERNAME" in str(error.value)
    assert "secret-pw" not in str(error.value)


def test_an_unknown_protocol_is_refused() -> None:
    with pytest.raises(ValueError, match="HOPPID_KAFKA_SECURITY_PROTOCOL"):
        ServiceSettings(kafka_security_protocol="SASL_SOMETHING")


def test_the_tests_take_their_sasl_stack_s_admin_user(tmp_path: Path) -> None:
    stack = tmp_path / "stack"
    (stack / "run").mkdir(parents=True)
    (stack / "kafka").mkdir()
    (stack / "run" / "kafka.settings").write_text(
        "SASL_PLAINTEXT (SCRAM-SHA-512, ACLs) 127.0.0.1:29392, CONTROLLER port 29393, heap 512m\n"
    )
    (stack / "kafka" / "client.env").write_text(
        "HOPPID_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT\nHOPPID_KAFKA_USERNAME=admin\n"
        "HOPPID_KAFKA_PASSWORD=a=b\n"
    )
    env = {"HOPPID_STACK_DIR": str(stack), "HOPPID_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:29392"}
    assert stack_kafka_credentials(tmp_path, env) == {
        "HOPPID_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "HOPPID_KAFKA_USERNAME": "admin",
        "HOPPID_KAFKA_PASSWORD": "a=b",
    }
    # another broker, credentials given, or no such stack: nothing
    other = {**env, "HOPPID_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9092"}
    assert stack_kafka_credentials(tmp_path, other) == {}
    given = {**env, "HOPPID_KAFKA_SECURITY_PROTOCOL": "PLAINTEXT"}
    assert stack_kafka_credentials(tmp_path, given) == {}
    assert stack_kafka_credentials(tmp_path, {"HOPPID_STACK_DIR": str(tmp_path / "none")}) == {}
