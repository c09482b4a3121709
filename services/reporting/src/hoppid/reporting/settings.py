"""reporting's settings: the shared ones plus its own, all from ``HOPPID_*`` variables."""

from pydantic import Field

from hoppid.shared.settings import Port, ServiceSettings


class ReportingSettings(ServiceSettings):
    http_port: Port = Field(
        8004,
        validation_alias="HOPPID_REPORTING_PORT",
        description="HTTP port of the reporting service",
    )
