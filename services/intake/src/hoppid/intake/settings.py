"""intake's settings: the shared ones plus its own, all from ``HOPPID_*`` variables."""

from pydantic import Field, SecretStr, field_validator

from hoppid.shared.settings import Port, ServiceSettings, usable_admin_key


class IntakeSettings(ServiceSettings):
    http_port: Port = Field(
        8001, validation_alias="HOPPID_INTAKE_PORT", description="HTTP port of the intake service"
    )
    admin_key: SecretStr = Field(
        SecretStr(""),
        validation_alias="HOPPID_INTAKE_ADMIN_KEY",
        description="Platform admin key (adds offices), 16+ random characters; empty disables "
        "platform administration",
    )
    check_admin_key = field_validator("admin_key")(usable_admin_key)
    submissions_per_hour: int = Field(
        30,
        ge=1,
        le=100_000,
        validation_alias="HOPPID_INTAKE_SUBMISSIONS_PER_HOUR",
        description="Public inquiries accepted per client address per hour (then 429)",
    )
    max_body_bytes: int = Field(
        65_536,
        ge=1024,
        le=10_000_000,
        validation_alias="HOPPID_INTAKE_MAX_BODY_BYTES",
        description="Largest request body accepted (then 413)",
    )
