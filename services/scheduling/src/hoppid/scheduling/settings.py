"""scheduling's settings: the shared ones plus its own, all from ``HOPPID_*`` variables."""

from pathlib import Path

from pydantic import Field, SecretStr, field_validator

from hoppid.shared.settings import Port, ServiceSettings, usable_admin_key


class SchedulingSettings(ServiceSettings):
    http_port: Port = Field(
        8002,
        validation_alias="HOPPID_SCHEDULING_PORT",
        description="HTTP port of the scheduling service",
    )
    admin_key: SecretStr = Field(
        SecretStr(""),
        validation_alias="HOPPID_SCHEDULING_ADMIN_KEY",
        description="scheduling's platform admin key (every office), 16+ random characters; "
        "empty disables it",
    )
    check_admin_key = field_validator("admin_key")(usable_admin_key)
    offer_count: int = Field(
        3,
        ge=1,
        le=20,
        validation_alias="HOPPID_SCHEDULING_OFFER_COUNT",
        description="How many free times are offered when a case opens",
    )
    offer_days: int = Field(
        21,
        ge=1,
        le=120,
        validation_alias="HOPPID_SCHEDULING_OFFER_DAYS",
        description="How many days ahead free times are looked for when a case opens",
    )
    claim_grace_seconds: float = Field(
        60,
        ge=1,
        le=3600,
        validation_alias="HOPPID_SCHEDULING_CLAIM_GRACE_SECONDS",
        description="How long a slot claim without its booking (a crash) blocks the slot",
    )
    reminder_poll_seconds: float = Field(
        15.0,
        gt=0,
        le=3600,
        validation_alias="HOPPID_SCHEDULING_REMINDER_POLL_SECONDS",
        description="How often due meeting reminders (24 h and 2 h before) are looked for",
    )
    dev_clock_file: Path | None = Field(
        None,
        validation_alias="HOPPID_SCHEDULING_DEV_CLOCK_FILE",
        description="Development and journey tests only: a file holding seconds to add to the "
        "clock (hoppid.shared.clock); empty in production",
    )
    desk_poll_seconds: float = Field(
        60.0,
        gt=0,
        le=3600,
        validation_alias="HOPPID_SCHEDULING_DESK_POLL_SECONDS",
        description="How often desk bookings not checked in by their release time are released",
    )
    desk_check_in_grace_minutes: int = Field(
        30,
        ge=0,
        le=240,
        validation_alias="HOPPID_SCHEDULING_DESK_CHECK_IN_GRACE_MINUTES",
        description="Minutes to check in for a desk booked after its half's release time",
    )
    max_body_bytes: int = Field(
        65_536,
        ge=1024,
        le=10_000_000,
        validation_alias="HOPPID_SCHEDULING_MAX_BODY_BYTES",
        description="Largest request body accepted (then 413)",
    )
    retain_meeting_days: int = Field(
        365,
        ge=1,
        le=36_500,
        validation_alias="HOPPID_SCHEDULING_RETAIN_MEETING_DAYS",
        description="Days after a meeting's start until it no longer names its person and case "
        "(docs/retention.md)",
    )
    retain_programme_days: int = Field(
        365,
        ge=1,
        le=36_500,
        validation_alias="HOPPID_SCHEDULING_RETAIN_PROGRAMME_DAYS",
        description="Days after a programme's last session until its places no longer name "
        "people and cases (docs/retention.md)",
    )
    retain_desk_booking_days: int = Field(
        90,
        ge=1,
        le=36_500,
        validation_alias="HOPPID_SCHEDULING_RETAIN_DESK_BOOKING_DAYS",
        description="Days after a desk day until its bookings no longer name the person "
        "(docs/retention.md)",
    )
    retain_offer_days: int = Field(
        90,
        ge=1,
        le=36_500,
        validation_alias="HOPPID_SCHEDULING_RETAIN_OFFER_DAYS",
        description="Days the times offered when a case opened are kept (docs/retention.md)",
    )
    retain_export_answer_days: int = Field(
        30,
        ge=1,
        le=36_500,
        validation_alias="HOPPID_SCHEDULING_RETAIN_EXPORT_ANSWER_DAYS",
        description="Days the record that a person's export was answered (ids and time) is "
        "kept (docs/retention.md)",
    )

    @field_validator("dev_clock_file", mode="before")
    @classmethod
    def _empty_is_real_time(cls, value: object) -> object:
        return None if value == "" else value
