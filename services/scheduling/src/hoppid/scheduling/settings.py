"""scheduling's settings: the shared ones plus its own, all from ``HOPPID_*`` variables."""

from pydantic import Field

from hoppid.shared.settings import Port, ServiceSettings


class SchedulingSettings(ServiceSettings):
    http_port: Port = Field(
        8002,
        validation_alias="HOPPID_SCHEDULING_PORT",
        description="HTTP port of the scheduling service",
    )
