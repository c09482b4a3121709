"""Settings every service shares, read from the environment with the prefix ``HOPPID_``.

Each service subclasses :class:`ServiceSettings` for its own settings. Bad values stop start-up
through :func:`load_settings`, with a message that names the environment variable to fix.
"""

from __future__ import annotations

import re
from ipaddress import ip_network
from pathlib import Path
from typing import Annotated, TypeVar

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from hoppid.shared.guards import ClientAddress, FailureLimit
from hoppid.shared.signing_keys import check_admin_key, check_secret

Port = Annotated[int, Field(ge=1, le=65535)]


class ServiceSettings(BaseSettings):
    """What every hoppid process needs: where Kafka and the store are, how to behave."""

    model_config = SettingsConfigDict(
        env_prefix="HOPPID_",
        env_file=".env",
        extra="ignore",
        frozen=True,
        populate_by_name=True,
    )

    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092", description="Kafka bootstrap servers, comma separated host:port"
    )
    kafka_security_protocol: str = Field(
        "PLAINTEXT",
        description="How this service authenticates to Kafka: PLAINTEXT (nobody; a broker with "
        "a plain listener, as CI's default stack) or SASL_PLAINTEXT / SASL_SSL with its own user "
        "(the local stack writes each service's credentials into <stack>/kafka/credentials/; "
        "docs/security.md#kafka)",
    )
    kafka_sasl_mechanism: str = Field(
        "SCRAM-SHA-512", description="SASL mechanism: SCRAM-SHA-512 (ours), SCRAM-SHA-256, PLAIN"
    )
    kafka_username: str = Field("", description="The service's Kafka user (SASL only)")
    kafka_password: SecretStr = Field(
        SecretStr(""), validate_default=True, description="The Kafka user's password (SASL only)"
    )
    mongodb_url: str = Field(
        "mongodb://127.0.0.1:27017/",
        description="MongoDB (or FerretDB) connection URL",
    )
    database: str = Field(
        "", description="Database name; empty means <topic prefix>hoppid_<service>"
    )
    vault_database: str = Field(
        "",
        description="Database of the per-person data keys (crypto-shredding); empty means "
        "<topic prefix>hoppid_vault",
    )
    sessions_database: str = Field(
        "",
        description="Database of the staff sessions every service checks (signing out on one "
        "ends the session on all); empty means the vault's database",
    )
    http_host: str = Field("127.0.0.1", description="Address the HTTP server listens on")
    metrics_host: str = Field(
        "127.0.0.1",
        description="Address the metrics port listens on (Prometheus' /metrics, apart from the "
        "public HTTP port: it carries offices' figures); 0.0.0.0 only where Prometheus scrapes "
        "the pod or container directly and no ingress or published port leads to it",
    )
    metrics_port: int = Field(
        0,
        ge=0,
        le=65535,
        description="Port of /metrics (Prometheus), apart from the public HTTP port; 0: any free "
        "port, named in the log. make run gives intake to reporting 9001-9004 "
        "(HOPPID_<SERVICE>_METRICS_PORT there), compose and k8s 9100",
    )
    topic_prefix: str = Field(
        "", description="Prefix for every topic name (tests use it to keep topics apart)"
    )
    topic_partitions: int = Field(6, ge=1, le=1000, description="Partitions of each topic created")
    topic_replication: int = Field(
        1, ge=1, le=10, description="Replicas of each topic a service creates (3 on a cluster)"
    )
    offices: Annotated[frozenset[str], NoDecode] = Field(
        frozenset(),
        description="Comma-separated office ids this instance serves; empty means all offices",
    )
    consumer_max_retries: int = Field(
        5, ge=0, le=100, description="Retries of a transient handler error before the DLQ"
    )
    consumer_retry_base_seconds: float = Field(
        0.2, gt=0, le=60, description="First retry delay; doubles each retry up to 30 s"
    )
    outbox_relay_interval_seconds: float = Field(
        5.0,
        gt=0,
        le=60,
        # every local write wakes the relay at once; the poll only catches what a crash or
        # another instance left, and on FerretDB each poll scans the collections (no indexes)
        description="How often the outbox relay looks for pending events it was not told of",
    )
    mongodb_query_log: Path | None = Field(
        None,
        description="Tests only: a folder where the service records the shape of every query it "
        "makes, checked for an index by scripts/check_query_indexes.py; empty in production",
    )
    readiness_timeout_seconds: float = Field(
        2.0, gt=0, le=60, description="How long /readyz waits for Kafka and the store"
    )
    mongodb_timeout_seconds: float = Field(
        5.0,
        gt=0,
        le=60,
        description="How long a store operation waits for an unreachable store (server "
        "selection and connect) before an HTTP answer is 503 with Retry-After and a consumer "
        "retries",
    )
    store_retry_after_seconds: int = Field(
        10,
        ge=1,
        le=3600,
        description="The Retry-After (seconds) of a 503 answered while the store is unreachable",
    )
    log_level: str = Field("INFO", description="Log level: DEBUG, INFO, WARNING, ERROR")
    link_secret: SecretStr = Field(
        SecretStr(""),
        description="The platform's signing secret, the same on every service, random, at least "
        "32 characters: the keys that sign people's links, staff sessions and CSRF tokens are "
        "derived from it. No default: a service refuses to start without it (make run makes one "
        "per stack)",
    )
    link_days: int = Field(90, ge=1, le=3650, description="How long a person's link is valid")
    # the web pages: each service serves the pages of the data it owns and links to its siblings
    intake_public_url: str = Field(
        "http://127.0.0.1:8001", description="Where people reach intake's pages (no trailing /)"
    )
    scheduling_public_url: str = Field(
        "http://127.0.0.1:8002",
        description="Where people reach scheduling's pages and the advisors' calendar feeds",
    )
    notifications_public_url: str = Field(
        "http://127.0.0.1:8003", description="Where people reach notifications' pages"
    )
    reporting_public_url: str = Field(
        "http://127.0.0.1:8004", description="Where people reach reporting's pages"
    )
    cookie_secure: bool = Field(
        True,
        description="Mark the session and form cookies Secure (HTTPS only); false only for "
        "local runs over plain http",
    )
    staff_session_hours: int = Field(
        8, ge=1, le=24, description="How long a staff sign-in in the browser lasts"
    )
    staff_session_idle_minutes: int = Field(
        60,
        ge=5,
        le=24 * 60,
        description="A staff sign-in not used for this long ends (it lasts at most "
        "HOPPID_STAFF_SESSION_HOURS anyway)",
    )
    oidc_issuer: str = Field(
        "",
        description="Issuer URL of the OpenID Connect provider staff sign in with (at intake, "
        "authorization code + PKCE); empty: staff sign in with keys only",
    )
    oidc_client_id: str = Field("hoppid", description="This platform's client id at the provider")
    oidc_client_secret: SecretStr = Field(
        SecretStr(""), description="This platform's client secret at the provider, if it has one"
    )
    trusted_proxies: Annotated[frozenset[str], NoDecode] = Field(
        frozenset(),
        description="Comma-separated addresses or networks (CIDR) of the proxies in front of "
        "the service (an ingress): behind them the client is the last X-Forwarded-For hop they "
        "did not add. Empty: the connection's peer is the client",
    )
    auth_failures_per_hour: int = Field(
        20,
        ge=1,
        le=100_000,
        description="Wrong API keys or sign-ins accepted per client address per hour (then 429)",
    )

    def client_address(self) -> ClientAddress:
        return ClientAddress(self.trusted_proxies)

    def failure_limit(self) -> FailureLimit:
        return FailureLimit(self.auth_failures_per_hour, client_address=self.client_address())

    def database_of(self, service: str) -> str:
        """The service's database: a topic prefix keeps a whole platform instance apart (its
        topics and its databases), so two instances can share one broker and one store."""
        return self.database or f"{_database_safe(self.topic_prefix)}hoppid_{service}"

    def vault_database_name(self) -> str:
        return self.vault_database or f"{_database_safe(self.topic_prefix)}hoppid_vault"

    def sessions_database_name(self) -> str:
        return self.sessions_database or self.vault_database_name()

    @field_validator("offices", "trusted_proxies", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: frozenset[str]) -> frozenset[str]:
        for item in value:
            try:
                ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an address or a network (CIDR)") from None
        return value

    @field_validator("mongodb_query_log", mode="before")
    @classmethod
    def _empty_is_off(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return level

    @field_validator("kafka_bootstrap_servers")
    @classmethod
    def _host_ports(cls, value: str) -> str:
        for server in value.split(","):
            host, _, port = server.strip().rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f"{server!r} is not host:port")
        return value

    @field_validator("kafka_security_protocol", "kafka_sasl_mechanism")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @field_validator("kafka_password")
    @classmethod
    def _kafka_credentials(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        # the last of the Kafka fields, so the others are known (if they were valid); named
        # by the password, whose value an error message never shows
        check_kafka_security(
            info.data.get("kafka_security_protocol", "PLAINTEXT"),
            info.data.get("kafka_sasl_mechanism", "SCRAM-SHA-512"),
            info.data.get("kafka_username", ""),
            value.get_secret_value(),
        )
        return value

    @field_validator("link_secret")
    @classmethod
    def _usable_secret(cls, value: SecretStr) -> SecretStr:
        # empty is let through here so that code and tests can build settings in-process;
        # serve() refuses to start a service without it (require_link_secret)
        check_secret(value.get_secret_value(), required=False)
        return value

    def require_link_secret(self) -> None:
        """SettingsError unless the signing secret is set (a running service needs it)."""
        try:
            check_secret(self.link_secret.get_secret_value())
        except ValueError as error:
            raise SettingsError(f"bad settings:\n  HOPPID_LINK_SECRET: {error}") from None

    @field_validator("mongodb_url")
    @classmethod
    def _mongo_scheme(cls, value: str) -> str:
        if not value.startswith(("mongodb://", "mongodb+srv://")):
            raise ValueError("must start with mongodb:// or mongodb+srv://")
        return value


KAFKA_SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
KAFKA_SASL_MECHANISMS = ("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN")


def check_kafka_security(protocol: str, mechanism: str, username: str, password: str) -> None:
    """ValueError naming the HOPPID_KAFKA_* variable when the Kafka credentials do not fit."""
    if protocol not in KAFKA_SECURITY_PROTOCOLS:
        raise ValueError(
            f"HOPPID_KAFKA_SECURITY_PROTOCOL must be one of {', '.join(KAFKA_SECURITY_PROTOCOLS)}"
        )
    if not protocol.startswith("SASL_"):
        return
    if mechanism not in KAFKA_SASL_MECHANISMS:
        raise ValueError(
            f"HOPPID_KAFKA_SASL_MECHANISM must be one of {', '.join(KAFKA_SASL_MECHANISMS)}"
        )
    if not username or not password:
        raise ValueError(
            f"{protocol} needs HOPPID_KAFKA_USERNAME and HOPPID_KAFKA_PASSWORD (the service's "
            "Kafka user)"
        )


def usable_admin_key(value: SecretStr) -> SecretStr:
    """A field validator for a platform admin or county key (signing_keys.check_admin_key)."""
    check_admin_key(value.get_secret_value())
    return value


class SettingsError(Exception):
    """Start-up must stop: a setting is missing or wrong. The message names the variable."""


S = TypeVar("S", bound=BaseSettings)


def load_settings(settings_class: type[S]) -> S:
    """Read settings from the environment, turning validation errors into one clear message."""
    try:
        return settings_class()
    except ValidationError as error:
        prefix = str(settings_class.model_config.get("env_prefix", ""))
        problems = []
        for item in error.errors():
            field = ".".join(str(part) for part in item["loc"]) or "?"
            # a field read through its own alias (HOPPID_INTAKE_PORT) is named by that alias
            variable = (
                field.upper() if field.upper().startswith(prefix) else f"{prefix}{field}".upper()
            )
            problems.append(f"{variable}: {item['msg']}{_shown_input(field, item.get('input'))}")
        raise SettingsError("bad settings:\n  " + "\n  ".join(problems)) from None


def _database_safe(prefix: str) -> str:
    """A topic prefix as part of a database name (MongoDB refuses '.', '/', '$', spaces)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", prefix)


_SECRET_HINTS = ("url", "password", "secret", "key", "token")


def _shown_input(field: str, value: object) -> str:
    """The bad value, unless the setting may hold a secret (a URL can carry a password)."""
    if any(hint in field.lower() for hint in _SECRET_HINTS):
        return ""
    return f" (got {value!r})"
