"""Every setting a service reads is documented in .env.example."""

from pathlib import Path

from hoppid.intake.settings import IntakeSettings
from hoppid.notifications.settings import NotificationsSettings
from hoppid.reporting.settings import ReportingSettings
from hoppid.scheduling.settings import SchedulingSettings

ROOT = Path(__file__).resolve().parents[1]


def documented() -> set[str]:
    names = set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        line = line.lstrip("#").strip()
        if line.startswith("HOPPID_") and "=" in line:
            names.add(line.split("=", 1)[0])
    return names


def test_every_service_setting_is_in_env_example() -> None:
    for settings in (IntakeSettings, SchedulingSettings, NotificationsSettings, ReportingSettings):
        for name, field in settings.model_fields.items():
            variable = field.validation_alias or f"HOPPID_{name.upper()}"
            assert variable in documented(), f"{variable} is not in .env.example"
