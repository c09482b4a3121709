"""`make demo` against `make run` itself, at a small size: beside a developer's own platform
(own ports, topic prefix, databases and run folder). The demo plays inquiries, case work,
programmes, desks and the passing of time on scheduling's development clock, all through the
public APIs; reporting's figures then show every kind of it."""

import asyncio
import os
import re
from typing import Any

import httpx
from make_run_support import REPO, RunningPlatform, bearer
from platform_support import COUNTY_KEY

from hoppid.shared.testing import eventually

INQUIRIES = int(os.environ.get("HOPPID_TEST_DEMO_INQUIRIES", "12"))
FIGURES = (
    "inquiries",
    "meetings_held",
    "meetings_no_show",
    "programme_enrolments",
    "programme_attendances",
    "school_participants",
    "desk_half_days_booked",
    "desk_half_days_used",
    "desk_half_days_no_show",
    "companies_registered",
)


async def make_demo(running: RunningPlatform) -> str:
    """`make demo` as a developer runs it, told only where that make run lives."""
    env = {
        **os.environ,
        "HOPPID_RUN_DIR": str(running.run_dir),
        "HOPPID_SCHEDULING_DEV_CLOCK_FILE": str(running.clock_file),
        **{f"HOPPID_{name.upper()}_PORT": str(port) for name, port in running.ports.items()},
        "DEMO_INQUIRIES": str(INQUIRIES),
    }
    demo = await asyncio.create_subprocess_exec(
        "make",
        "demo",
        cwd=REPO,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(demo.communicate(), timeout=600)
    text = out.decode("utf-8", "replace")
    assert demo.returncode == 0, text
    return text


async def test_make_demo_fills_every_kind_of_figure(running: RunningPlatform) -> None:
    output = await make_demo(running)
    print(output)
    assert float(running.clock_file.read_text()) > 0, "the demo moved scheduling's clock on"

    seen: dict[str, Any] = {}

    async def figures() -> dict[str, Any] | None:
        async with httpx.AsyncClient(timeout=30) as client:
            response = await client.get(
                f"{running.url('reporting')}/v1/figures", headers=bearer(COUNTY_KEY)
            )
        rows = response.json() if response.status_code == 200 else []
        seen.update({name: rows[0].get(name) for name in FIGURES} if rows else {})
        return seen if all(seen.get(name) for name in FIGURES) else None

    try:
        await eventually(figures, timeout=120, what="every kind of figure in reporting")
    except AssertionError as error:
        raise AssertionError(f"figures seen: {seen}\ndemo output:\n{output}") from error
    # and, once reporting has caught up, they are exactly what the demo says it did
    done = tally(output)
    expected = {
        "inquiries": INQUIRIES,
        "meetings_held": done["meetings"]["held"],
        "meetings_no_show": done["meetings"]["no_show"],
        "programme_enrolments": done["programmes"]["enrolled"]
        - done["programmes"]["cancelled"]
        + done["programmes"]["promoted"]
        + done["offer"]["school_classes"],
        "programme_attendances": done["sessions"]["attendances"],
        "desk_half_days_booked": done["desks"]["booked"],
        "desk_half_days_used": done["desks"]["checked_in"],
        "desk_half_days_no_show": done["desks"]["booked"] - done["desks"]["checked_in"],
        "companies_registered": sum(v.get("companies", 0) for v in done.values()),
    }

    async def caught_up() -> bool:
        await figures()
        return all(seen.get(name) == value for name, value in expected.items())

    try:
        await eventually(caught_up, timeout=120, what="reporting's figures = the demo's work")
    except AssertionError as error:
        raise AssertionError(f"expected {expected}, seen {seen}") from error
    print(seen)


def tally(output: str) -> dict[str, dict[str, int]]:
    """The demo's own account, lines like 'meetings       held 45, no_show 9', by label."""
    lines = re.findall(r"^([a-z-]+) +((?:[a-z_]+ \d+(?:, )?)+)$", output, re.MULTILINE)
    return {
        label: {name: int(n) for name, n in re.findall(r"([a-z_]+) (\d+)", counts)}
        for label, counts in lines
    }
