"""notifications's settings: the shared ones plus its own, all from ``HOPPID_*`` variables."""

from datetime import time
from ipaddress import ip_address
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, field_validator

from hoppid.shared.settings import Port, ServiceSettings, usable_admin_key


class SmtpServer(BaseModel):
    """Where and how mail is handed over: the platform's server, or an office's own."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = Field("127.0.0.1", min_length=1, description="SMTP host")
    port: Port = Field(1025, description="SMTP port")
    starttls: bool = Field(False, description="Upgrade the connection with STARTTLS")
    username: str = Field("", description="SMTP login; empty means no authentication")
    password: SecretStr = Field(SecretStr(""), description="SMTP password")
    from_address: str = Field("", description="Envelope and From address; empty: the default")
    timeout_seconds: float = Field(20.0, gt=0, le=300, description="Connect and reply timeout")


class NotificationsSettings(ServiceSettings):
    http_port: Port = Field(
        8003,
        validation_alias="HOPPID_NOTIFICATIONS_PORT",
        description="HTTP port of the notifications service",
    )
    smtp_host: str = Field(
        "127.0.0.1",
        min_length=1,
        validation_alias="HOPPID_NOTIFICATIONS_SMTP_HOST",
        description="SMTP server for mail (the development mailbox by default)",
    )
    smtp_port: Port = Field(
        1025, validation_alias="HOPPID_NOTIFICATIONS_SMTP_PORT", description="SMTP port"
    )
    smtp_starttls: bool = Field(
        False,
        validation_alias="HOPPID_NOTIFICATIONS_SMTP_STARTTLS",
        description="Upgrade SMTP connections with STARTTLS (required before a login in practice)",
    )
    smtp_username: str = Field(
        "",
        validation_alias="HOPPID_NOTIFICATIONS_SMTP_USERNAME",
        description="SMTP login; empty means no authentication",
    )
    smtp_password: SecretStr = Field(
        SecretStr(""),
        validation_alias="HOPPID_NOTIFICATIONS_SMTP_PASSWORD",
        description="SMTP password",
    )
    smtp_timeout_seconds: float = Field(
        20.0,
        gt=0,
        le=300,
        validation_alias="HOPPID_NOTIFICATIONS_SMTP_TIMEOUT_SECONDS",
        description="SMTP connect and reply timeout",
    )
    sender_address: str = Field(
        "no-reply@hoppid.example",
        min_length=3,
        validation_alias="HOPPID_NOTIFICATIONS_SENDER_ADDRESS",
        description="From address of mail (shown with the office's name; replies go to the office)",
    )
    office_smtp: dict[str, SmtpServer] = Field(
        default_factory=dict,
        validation_alias="HOPPID_NOTIFICATIONS_OFFICE_SMTP",
        description='Per-office SMTP servers as JSON, e.g. {"nordveggen": {"host": "smtp.x", '
        '"port": 587, "starttls": true, "username": "u", "password": "p", "from_address": '
        '"post@x"}}',
    )
    office_templates_dir: Path | None = Field(
        None,
        validation_alias="HOPPID_NOTIFICATIONS_OFFICE_TEMPLATES_DIR",
        description="Folder of office template overrides: <office id>/<lang>/<name>.subject|"
        ".txt|.html; empty means none",
    )
    link_base_url: str = Field(
        "http://127.0.0.1:8001/pages/me/",
        validation_alias="HOPPID_NOTIFICATIONS_LINK_BASE_URL",
        description="The person's case link is this followed by their token",
    )
    booking_base_url: str = Field(
        "http://127.0.0.1:8002/pages/me/",
        validation_alias="HOPPID_NOTIFICATIONS_BOOKING_BASE_URL",
        description="The booking link in a message with offered times: this, the person's link "
        "token, then /meetings (scheduling's routes for the person)",
    )
    preferences_base_url: str = Field(
        "http://127.0.0.1:8003/pages/me/",
        validation_alias="HOPPID_NOTIFICATIONS_PREFERENCES_BASE_URL",
        description="Start of the person's preferences link: + their link token + /preferences",
    )
    max_attempts: int = Field(
        4,
        ge=1,
        le=50,
        validation_alias="HOPPID_NOTIFICATIONS_MAX_ATTEMPTS",
        description="Attempts at a message on transient errors before it is marked failed",
    )
    retry_base_seconds: float = Field(
        30.0,
        gt=0,
        le=3600,
        validation_alias="HOPPID_NOTIFICATIONS_RETRY_BASE_SECONDS",
        description="Wait before the second attempt; doubles each attempt",
    )
    person_wait_seconds: float = Field(
        300.0,
        ge=0,
        le=3600,
        validation_alias="HOPPID_NOTIFICATIONS_PERSON_WAIT_SECONDS",
        description=(
            "How long a scheduling event for a person whose contact copy has not arrived yet "
            "(intake's inquiry.received, on another topic) is retried before its message is "
            "suppressed (no_address); judged by the event's time"
        ),
    )
    poll_interval_seconds: float = Field(
        5.0,
        gt=0,
        le=600,
        validation_alias="HOPPID_NOTIFICATIONS_POLL_INTERVAL_SECONDS",
        description="How often scheduled messages (retries, SMS after quiet hours) are looked for",
    )
    retain_delivery_days: int = Field(
        180,
        ge=1,
        le=36_500,
        validation_alias="HOPPID_NOTIFICATIONS_RETAIN_DELIVERY_DAYS",
        description="Days after a message was sent or given up until its delivery record keeps "
        "no address, subject or person (docs/retention.md)",
    )
    retain_meeting_days: int = Field(
        365,
        ge=1,
        le=36_500,
        validation_alias="HOPPID_NOTIFICATIONS_RETAIN_MEETING_DAYS",
        description="Days after a meeting's start until its calendar versions are deleted, and "
        "after an enrolment's last change until it is (docs/retention.md)",
    )
    retain_export_answer_days: int = Field(
        30,
        ge=1,
        le=36_500,
        validation_alias="HOPPID_NOTIFICATIONS_RETAIN_EXPORT_ANSWER_DAYS",
        description="Days the record that a person's export was answered (ids and time) is "
        "kept (docs/retention.md)",
    )
    consumer_concurrency: int = Field(
        16,
        ge=1,
        le=256,
        validation_alias="HOPPID_NOTIFICATIONS_CONSUMER_CONCURRENCY",
        description="Events handled at once by each consumer, of different subjects (one "
        "subject's events always one after another, in order); 1: one event at a time",
    )
    sms_quiet_from: int = Field(
        22,
        ge=0,
        le=23,
        validation_alias="HOPPID_NOTIFICATIONS_SMS_QUIET_FROM",
        description="Hour (Europe/Oslo) from which no SMS is sent",
    )
    sms_quiet_until: int = Field(
        8,
        ge=0,
        le=23,
        validation_alias="HOPPID_NOTIFICATIONS_SMS_QUIET_UNTIL",
        description="Hour (Europe/Oslo) until which SMS wait",
    )
    sms_outbox_file: Path = Field(
        Path(".stack/sms-outbox.jsonl"),
        validation_alias="HOPPID_NOTIFICATIONS_SMS_OUTBOX_FILE",
        description="The development SMS gateway appends each SMS to this file (JSON lines)",
    )
    digest_at: time = Field(
        time(16, 0),
        validation_alias="HOPPID_NOTIFICATIONS_DIGEST_AT",
        description="Europe/Oslo time (HH:MM) from which each advisor's daily digest of the next "
        "day's meetings and the office's open cases is sent, once per day",
    )
    admin_key: SecretStr = Field(
        SecretStr(""),
        validation_alias="HOPPID_NOTIFICATIONS_ADMIN_KEY",
        description="notifications's platform admin key (the only key that reads the development "
        "mailbox), 16+ random characters; empty disables it",
    )
    check_admin_key = field_validator("admin_key")(usable_admin_key)
    dev_mailbox: bool = Field(
        False,
        validation_alias="HOPPID_NOTIFICATIONS_DEV_MAILBOX",
        description="Serve the development mailbox's messages at /v1/dev/mailbox and "
        "/pages/staff/mailbox to a platform admin (key or signed in). Local stack only: refused "
        "unless HOPPID_HTTP_HOST is a loopback address",
    )
    devmail_host: str = Field(
        "127.0.0.1",
        validation_alias="HOPPID_NOTIFICATIONS_DEVMAIL_HOST",
        description="Address the development SMTP server listens on",
    )
    devmail_port: Port = Field(
        1025,
        validation_alias="HOPPID_NOTIFICATIONS_DEVMAIL_PORT",
        description="Port of the development SMTP server",
    )
    devmail_dir: Path = Field(
        Path(".stack/devmail"),
        validation_alias="HOPPID_NOTIFICATIONS_DEVMAIL_DIR",
        description="Folder where the development SMTP server keeps what it receives (.eml)",
    )

    @field_validator("dev_mailbox")
    @classmethod
    def _dev_mailbox_on_loopback_only(cls, value: bool, info: ValidationInfo) -> bool:
        # every person's link is in that mailbox: a service that listens beyond this machine
        # (an image, compose, k8s: HOPPID_HTTP_HOST=0.0.0.0) is not the local stack
        if value and not _loopback(str(info.data.get("http_host", ""))):
            raise ValueError(
                "the development mailbox is for the local stack only: it needs HOPPID_HTTP_HOST "
                "on loopback (127.0.0.1, ::1 or localhost)"
            )
        return value

    @field_validator("office_templates_dir", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    def default_smtp(self) -> SmtpServer:
        return SmtpServer(
            host=self.smtp_host,
            port=self.smtp_port,
            starttls=self.smtp_starttls,
            username=self.smtp_username,
            password=self.smtp_password,
            from_address=self.sender_address,
            timeout_seconds=self.smtp_timeout_seconds,
        )

    def smtp_for(self, office_id: str) -> SmtpServer:
        """The office's own server if it has one (its empty from_address takes the default)."""
        own = self.office_smtp.get(office_id)
        if own is None:
            return self.default_smtp()
        if not own.from_address:
            return own.model_copy(update={"from_address": self.sender_address})
        return own


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False
