"""Every setting a service reads is documented in .env.example."""

import re
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


def test_every_local_stack_setting_is_in_env_example() -> None:
    # lib.sh lists every setting of the stack scripts in its header, one "#   HOPPID_X  ..." each
    lib = (ROOT / "deploy" / "local" / "lib.sh").read_text()
    settings = set(re.findall(r"^#   (HOPPID_[A-Z_]+) ", lib, re.MULTILINE))
    assert settings, "no settings found in the header of deploy/local/lib.sh"
    for variable in settings:
        assert variable in documented(), f"{variable} (deploy/local/lib.sh) is not in .env.example"
