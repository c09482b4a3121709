"""reporting's settings: the shared ones plus its own, all from ``HOPPID_*`` variables."""

from pydantic import Field, SecretStr, field_validator

from hoppid.shared.settings import Port, ServiceSettings, usable_admin_key


class ReportingSettings(ServiceSettings):
    http_port: Port = Field(
        8004,
        validation_alias="HOPPID_REPORTING_PORT",
        description="HTTP port of the reporting service",
    )
    county_key: SecretStr = Field(
        SecretStr(""),
        validation_alias="HOPPID_REPORTING_COUNTY_KEY",
        description="The platform_admin key of this service (reads every figure, like a "
        "county key), 16+ random characters; staff keys come from intake; empty disables it",
    )
    check_county_key = field_validator("county_key")(usable_admin_key)
    rebuild_grace_seconds: float = Field(
        2.0,
        gt=0,
        le=300,
        validation_alias="HOPPID_REPORTING_REBUILD_GRACE_SECONDS",
        description="How long a rebuild lets live handlers finish before its final catch-up",
    )
    rebuild_lease_seconds: float = Field(
        120.0,
        ge=10,
        le=3600,
        validation_alias="HOPPID_REPORTING_REBUILD_LEASE_SECONDS",
        description="How long live projections wait for a switching rebuild before going on "
        "(renewed while it works; a rebuild that dies releases them when it runs out)",
    )
    rebuild_flush_events: int = Field(
        20_000,
        ge=1,
        le=1_000_000,
        validation_alias="HOPPID_REPORTING_REBUILD_FLUSH_EVENTS",
        description="A rebuild writes what it projected to the new version, and records how far "
        "it got (its checkpoint), after this many events",
    )
    rebuild_max_held: int = Field(
        200_000,
        ge=1_000,
        validation_alias="HOPPID_REPORTING_REBUILD_MAX_HELD",
        description="A rebuild writes earlier when it holds this many documents, claims and "
        "contributions in memory (about 1 KiB each)",
    )
    retain_closed_case_days: int = Field(
        3 * 365,
        ge=1,
        le=36_500,
        validation_alias="HOPPID_REPORTING_RETAIN_CLOSED_CASE_DAYS",
        description="Days after the last change of a closed (or company-registered) case until "
        "its pseudonymous record is dropped (its counts stay), once all the person's cases are "
        "past; intake's default (docs/retention.md)",
    )
    retain_inactive_case_days: int = Field(
        2 * 365,
        ge=1,
        le=36_500,
        validation_alias="HOPPID_REPORTING_RETAIN_INACTIVE_CASE_DAYS",
        description="Days after the last change of a case left open until it counts as past "
        "its period in reporting; intake's default (docs/retention.md)",
    )
