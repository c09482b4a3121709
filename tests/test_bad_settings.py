"""Bad settings stop start-up at once, with a message naming the setting."""

import asyncio
import os
import sys

import pytest


async def start_with(name: str, env: dict[str, str]) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        f"hoppid.{name}.main",
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, stderr.decode()


@pytest.mark.parametrize(
    ("name", "variable", "value"),
    [
        ("intake", "HOPPID_INTAKE_PORT", "not-a-port"),
        ("scheduling", "HOPPID_SCHEDULING_PORT", "99999"),
        ("notifications", "HOPPID_KAFKA_BOOTSTRAP_SERVERS", "kafka-without-port"),
        ("reporting", "HOPPID_MONGODB_URL", "http://127.0.0.1:27017"),
    ],
)
async def test_bad_setting_stops_start_up_naming_it(name: str, variable: str, value: str) -> None:
    code, stderr = await start_with(name, {variable: value})
    assert code == 2
    assert f"hoppid-{name} cannot start" in stderr
    assert variable in stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize("name", ["intake", "scheduling", "notifications", "reporting"])
@pytest.mark.parametrize("secret", ["", "development-only-link-secret-change-me", "too-short"])
async def test_no_service_starts_without_a_usable_signing_secret(name: str, secret: str) -> None:
    code, stderr = await start_with(name, {"HOPPID_LINK_SECRET": secret})
    assert code == 2
    assert f"hoppid-{name} cannot start" in stderr
    assert "HOPPID_LINK_SECRET" in stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    ("name", "variable", "value"),
    [
        ("intake", "HOPPID_INTAKE_ADMIN_KEY", "admin"),
        ("scheduling", "HOPPID_SCHEDULING_ADMIN_KEY", "set-me"),
        ("reporting", "HOPPID_REPORTING_COUNTY_KEY", "county-key"),
    ],
)
async def test_a_short_or_placeholder_admin_key_stops_start_up(
    name: str, variable: str, value: str
) -> None:
    code, stderr = await start_with(name, {variable: value})
    assert code == 2
    assert variable in stderr and "Traceback" not in stderr
    assert value not in stderr.replace(variable, "")  # the key itself is never shown
