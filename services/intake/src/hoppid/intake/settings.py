"""intake's settings: the shared ones plus its own, all from ``HOPPID_*`` variables."""

from pydantic import Field

from hoppid.shared.settings import Port, ServiceSettings


class IntakeSettings(ServiceSettings):
    http_port: Port = Field(
        8001, validation_alias="HOPPID_INTAKE_PORT", description="HTTP port of the intake service"
    )
