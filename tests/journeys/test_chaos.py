"""The chaos run (issue 16, `make chaos`): its short version as the suite runs it, and its ledger.

`make chaos` kills each service, the broker and the store in turn under traffic for four
minutes; here the operator's own command (scripts/chaos.sh) runs for 60 s with two faults, a
service (notifications, the one that sends mail) and the broker, on a stack of its own. The
ledger's verdicts are checked apart, so a check that could never fail would be noticed."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def chaos() -> ModuleType:
    spec = importlib.util.spec_from_file_location("chaos", ROOT / "scripts/chaos.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def verdicts(mails: dict[str, int], sending: dict[str, str] | None = None) -> dict[str, object]:
    """The ledger of two accepted inquiries, both booked, everything right but ``mails``
    (receipts per reference) and the deliveries left in `sending`."""
    module = chaos()
    run = module.Run(services={}, mailbox=module.Mailbox(), stack=None)
    run.people = [
        module.Person("a@example.no", reference="R-1", booking_id="b1"),
        module.Person("b@example.no", reference="R-2", booking_id="b2"),
    ]
    found = module.Found(
        cases=Counter({"R-1": 1, "R-2": 1}),
        receipts=Counter(mails),
        meetings={"a@example.no": ["b1"], "b@example.no": ["b2"]},
        confirmations=Counter({"a@example.no": 1, "b@example.no": 1}),
        figures={"inquiries": 2, "meetings_booked": 2},
        sending=sending or {},
        services_running=4,
    )
    return {check.what: check.ok for check in module.ledger(run, found)}


def test_the_ledger_passes_when_everything_is_there_once() -> None:
    found = verdicts({"R-1": 1, "R-2": 1})
    assert all(ok is True for ok in found.values()), found


def test_a_doubled_receipt_fails_the_ledger() -> None:
    assert verdicts({"R-1": 2, "R-2": 1})["receipts, one per accepted inquiry"] is False


def test_a_missing_receipt_fails_unless_a_claim_left_unsent_accounts_for_it() -> None:
    what = "receipts, one per accepted inquiry"
    assert verdicts({"R-1": 1, "R-2": 0})[what] is False
    noted = verdicts({"R-1": 1, "R-2": 0}, sending={"d1": "receipt"})  # claimed, never sent
    assert noted[what] is None  # notifications' at-most-once window: shown, not hidden


def test_unknown_faults_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match="disk"):
        chaos().Settings.from_env({"CHAOS_FAULTS": "intake,disk"})


@pytest.mark.integration
async def test_short_chaos_run_loses_and_doubles_nothing() -> None:
    env = {
        **os.environ,
        "CHAOS_SECONDS": "60",
        "CHAOS_FAULTS": "notifications,kafka",
        "CHAOS_SETTLE_SECONDS": "180",
    }
    process = await asyncio.create_subprocess_exec(
        "bash",
        str(ROOT / "scripts" / "chaos.sh"),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 900)
    text = output.decode("utf-8", "replace")
    print(text)  # the tables, for the log (-s)
    assert process.returncode == 0, text
    assert "| notifications killed (SIGKILL) |" in text
    assert "| Kafka broker killed (SIGKILL) |" in text
    assert "| cases in intake, one per accepted inquiry |" in text
    assert "**FAILED**" not in text
