"""notifications's settings: the shared ones plus its own, all from ``HOPPID_*`` variables."""

from pydantic import Field

from hoppid.shared.settings import Port, ServiceSettings


class NotificationsSettings(ServiceSettings):
    http_port: Port = Field(
        8003,
        validation_alias="HOPPID_NOTIFICATIONS_PORT",
        description="HTTP port of the notifications service",
    )
