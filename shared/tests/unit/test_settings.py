import pytest
from pydantic import Field

from hoppid.shared.settings import Port, ServiceSettings, SettingsError, load_settings


class IntakeSettings(ServiceSettings):
    """Shaped like a service's settings: the shared ones plus its own port."""

    http_port: Port = Field(8001, validation_alias="HOPPID_INTAKE_PORT", description="port")


def test_defaults_are_the_local_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HOPPID_KAFKA_BOOTSTRAP_SERVERS", "HOPPID_MONGODB_URL", "HOPPID_INTAKE_PORT"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(IntakeSettings)
    assert settings.kafka_bootstrap_servers == "127.0.0.1:9092"
    assert settings.mongodb_url == "mongodb://127.0.0.1:27017/"
    assert settings.http_port == 8001


def test_environment_overrides_and_offices_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOPPID_INTAKE_PORT", "9101")
    monkeypatch.setenv("HOPPID_OFFICES", "nordveggen, molde")
    settings = load_settings(IntakeSettings)
    assert settings.http_port == 9101
    assert settings.offices == {"nordveggen", "molde"}


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("HOPPID_INTAKE_PORT", "eighty", "HOPPID_INTAKE_PORT"),
        ("HOPPID_INTAKE_PORT", "70000", "HOPPID_INTAKE_PORT"),
        ("HOPPID_KAFKA_BOOTSTRAP_SERVERS", "localhost", "HOPPID_KAFKA_BOOTSTRAP_SERVERS"),
        ("HOPPID_MONGODB_URL", "postgres://x", "HOPPID_MONGODB_URL"),
        ("HOPPID_LOG_LEVEL", "LOUD", "HOPPID_LOG_LEVEL"),
        ("HOPPID_TOPIC_PARTITIONS", "0", "HOPPID_TOPIC_PARTITIONS"),
    ],
)
def test_bad_settings_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=message):
        load_settings(IntakeSettings)


def test_secret_values_are_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOPPID_MONGODB_URL", "ftp://user:s3cret@host/")
    with pytest.raises(SettingsError) as raised:
        load_settings(ServiceSettings)
    assert "s3cret" not in str(raised.value)
