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
    link_requests_per_hour: int = Field(
        10,
        ge=1,
        le=100_000,
        validation_alias="HOPPID_INTAKE_LINK_REQUESTS_PER_HOUR",
        description="Requests for a new link by email accepted per client address per hour "
        "(then 429)",
    )
    link_requests_per_address_per_hour: int = Field(
        3,
        ge=1,
        le=1000,
        validation_alias="HOPPID_INTAKE_LINK_REQUESTS_PER_ADDRESS_PER_HOUR",
        description="Requests for a new link accepted per email address per hour, known or not "
        "(then 429)",
    )
    link_request_poll_seconds: float = Field(
        5.0,
        gt=0,
        le=3600,
        validation_alias="HOPPID_INTAKE_LINK_REQUEST_POLL_SECONDS",
        description="How often the link requests are looked at besides when one arrives (those "
        "another instance took and left, after a crash, for example)",
    )
    export_timeout_seconds: float = Field(
        60.0,
        gt=0,
        le=86_400,
        validation_alias="HOPPID_INTAKE_EXPORT_TIMEOUT_SECONDS",
        description="How long a person's export waits for the other services' parts; then it "
        "is shown with the missing parts named",
    )
    export_keep_hours: float = Field(
        24.0,
        gt=0,
        le=720,
        validation_alias="HOPPID_INTAKE_EXPORT_KEEP_HOURS",
        description="How long a person's export is kept after it was asked for (then deleted)",
    )
    max_body_bytes: int = Field(
        65_536,
        ge=1024,
        le=10_000_000,
        validation_alias="HOPPID_INTAKE_MAX_BODY_BYTES",
        description="Largest request body accepted (then 413)",
    )
    retain_closed_case_days: int = Field(
        3 * 365,
        ge=1,
        le=36_500,
        validation_alias="HOPPID_INTAKE_RETAIN_CLOSED_CASE_DAYS",
        description="Days after the last change of a closed (or company-registered) case until "
        "its person is erased, once all their cases are past (docs/retention.md)",
    )
    retain_inactive_case_days: int = Field(
        2 * 365,
        ge=1,
        le=36_500,
        validation_alias="HOPPID_INTAKE_RETAIN_INACTIVE_CASE_DAYS",
        description="Days after the last change of a case left open (new, contacted, in "
        "guidance, paused) until it counts as past its period (docs/retention.md)",
    )
    retain_claims_days: int = Field(
        30,
        ge=2,
        le=36_500,
        validation_alias="HOPPID_INTAKE_RETAIN_CLAIMS_DAYS",
        description="Days a submission's idempotency and duplicate claims are kept",
    )
    retain_audit_days: int = Field(
        5 * 365 + 1,
        ge=1,
        le=36_500,
        validation_alias="HOPPID_INTAKE_RETAIN_AUDIT_DAYS",
        description="Days an entry of the audit log is kept, then deleted (docs/retention.md)",
    )
    audit_database: str = Field(
        "",
        pattern=r"^[A-Za-z0-9_-]{0,60}$",
        validation_alias="HOPPID_INTAKE_AUDIT_DATABASE",
        description="The audit log's own database (its own access rights and backups); empty "
        "means intake's database, in a collection of its own",
    )
