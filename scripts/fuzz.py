"""Fuzz every service's HTTP API with schemathesis, as a caller with real keys (issue 13).

Starts the four services as their own processes on the running local stack (its own topic
prefix and databases, a real SMTP server on loopback), makes what the routes need — an
office-admin key of Nordveggen, the county's key, the platform admin's key, a person's link
(from the receipt of an inquiry) and their case, an advisor, a course, a desk and a meeting,
whose ids scripts/fuzz.toml pins in paths — and runs ``st run`` against each service's
/openapi.json: examples, coverage, fuzzing and the stateful phase, with a bounded number of
examples. Checks:
no 5xx, status codes and responses as the OpenAPI declares them, and every error response an
``application/problem+json`` (scripts/fuzz_checks.py). Then it stops everything it started and
drops its databases and topics.

    scripts/fuzz.sh                      # every service, 20 examples an operation
    scripts/fuzz.sh --max-examples 100   # longer
    scripts/fuzz.sh --service intake     # one service
    scripts/fuzz.sh --keep               # leave the services running afterwards (Ctrl-C stops)

Exit status: 0 when every run passed, 1 otherwise. Reports (JUnit, and the ndjson events)
go to $HOPPID_STACK_DIR/fuzz/ (.stack/fuzz/; ``--report-dir``). docs/security.md says what it
found."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "journeys"))

from platform_support import (  # noqa: E402
    ADMIN_KEY,
    COUNTY_KEY,
    SERVICES,
    Mailbox,
    Platform,
    bearer,
    start_smtp,
    text_of,
)

from hoppid.shared.clock import real_now  # noqa: E402
from hoppid.shared.mongo import make_mongo_client  # noqa: E402
from hoppid.shared.testing import (  # noqa: E402
    ServiceProcess,
    delete_topics,
    eventually,
    mongodb_url,
)

OFFICE = "nordveggen"
UNLIMITED = {
    "HOPPID_INTAKE_SUBMISSIONS_PER_HOUR": "100000",
    "HOPPID_INTAKE_LINK_REQUESTS_PER_HOUR": "100000",
    "HOPPID_INTAKE_LINK_REQUESTS_PER_ADDRESS_PER_HOUR": "1000",
    "HOPPID_AUTH_FAILURES_PER_HOUR": "100000",
}
EMAIL = "fuzz.person@example.no"


@dataclass
class Caller:
    """Who schemathesis calls a set of a service's operations as."""

    name: str
    key: str
    include: str | None = None  # a path regex: only these operations
    exclude: str | None = None  # a path regex: all but these


def callers(staff: str) -> list[tuple[str, Caller]]:
    """Each service's operations by who may call them: staff with their office's key, the
    county with its key, the platform admin with theirs; a person's routes take the link in
    the path (``token``) and need no key, so they run with the staff key too. Erasure ends the
    person's link in every service, so it runs last of all, with the withdrawal of consents
    (withdrawing the consent to processing is an erasure)."""
    admin = r"^/v1/(offices$|keys)"  # adding offices, county and partner keys
    erasure = r"^/v1/me/\{token\}/(erasure|consent/withdraw)$"
    return [
        ("intake", Caller("staff", staff, exclude=f"{admin}|{erasure}")),
        ("intake", Caller("admin", ADMIN_KEY, include=admin)),
        ("scheduling", Caller("staff", staff)),
        ("notifications", Caller("staff", staff)),
        ("reporting", Caller("staff", staff)),
        # the county reads every office's figures on the same routes
        ("reporting", Caller("county", COUNTY_KEY)),
        ("intake", Caller("erasure", staff, include=erasure)),
    ]


async def issue_staff_key(platform: Platform, client: httpx.AsyncClient) -> str:
    issued = await client.post(
        f"{platform.url('intake')}/v1/offices/{OFFICE}/keys",
        headers=bearer(ADMIN_KEY),
        json={"role": "office_admin", "label": "fuzz"},
    )
    issued.raise_for_status()
    key = str(issued.json()["key"])
    for name in ("scheduling", "notifications", "reporting"):

        async def known(name: str = name) -> bool:
            answer = await client.get(f"{platform.url(name)}/v1/offices", headers=bearer(key))
            return answer.status_code != 401

        await eventually(known, timeout=60, what=f"{name} knows the staff key")
    return key


async def scheduling_things(
    platform: Platform, client: httpx.AsyncClient, key: str
) -> dict[str, str]:
    """An advisor, a course and a desk of the office: their ids, so that the routes behind them
    are fuzzed beyond the 404 of a made-up id."""
    office = f"{platform.url('scheduling')}/v1/offices/{OFFICE}"
    now = real_now().replace(microsecond=0)
    hours = [{"weekday": d, "start": "08:00", "end": "20:00", "place": "digital"} for d in range(7)]
    session = {
        "start": (now + timedelta(days=7)).isoformat(),
        "end": (now + timedelta(days=7, hours=3)).isoformat(),
    }
    forms = {
        "advisor": (
            "advisors",
            {
                "name": "Fuzz Advisor",
                "email": "advisor@fuzz.example",
                "languages": ["en"],
                "topics": ["grants"],
                "weekly_hours": hours,
            },
        ),
        "programme": (
            "programmes",
            {
                "kind": "course",
                "title": "Fuzzing",
                "capacity": 5,
                "minimum": 1,
                "sessions": [session],
            },
        ),
        "desk": ("desks", {"name": "Fuzz desk"}),
    }
    made = {}
    for name, (path, body) in forms.items():
        answer = await client.post(f"{office}/{path}", headers=bearer(key), json=body)
        answer.raise_for_status()
        made[name] = str(answer.json()["id"])
    return made


async def a_booking(
    platform: Platform, client: httpx.AsyncClient, key: str, real: dict[str, str]
) -> str:
    """A meeting of the person's case with the advisor: its id, for the routes behind it."""
    office = f"{platform.url('scheduling')}/v1/offices/{OFFICE}"
    case = await client.get(
        f"{platform.url('intake')}/v1/cases/{real['case_id']}", headers=bearer(key)
    )
    first = real_now().date() + timedelta(days=2)
    window = {"from": first.isoformat(), "to": (first + timedelta(days=7)).isoformat()}
    slots = await client.get(f"{office}/slots", headers=bearer(key), params=window)
    slots.raise_for_status()
    booked = await client.post(
        f"{office}/bookings",
        headers=bearer(key),
        json={
            "case_id": real["case_id"],
            "person_id": case.json()["person_id"],
            "start": slots.json()[0]["start"],
            "mode": "digital",
            "advisor_id": real["advisor"],
        },
    )
    booked.raise_for_status()
    return str(booked.json()["id"])


async def person_link(platform: Platform, client: httpx.AsyncClient) -> str:
    """The link token of a person with a case at Nordveggen, from their receipt."""
    sent = await client.post(
        f"{platform.url('intake')}/v1/inquiries",
        json={
            "name": "Fuzz Person",
            "email": EMAIL,
            "phone": "912 34 567",
            "municipality": "1539",
            "idea": "A fuzzed idea",
            "stage": "starting",
            "needs": ["guidance"],
            "language": "en",
            "meeting_mode": "digital",
            "consent_processing": True,
            "consent_text_version": "2026-11-01",
        },
    )
    sent.raise_for_status()

    async def receipt() -> str | None:
        for message in platform.mailbox.to(EMAIL):
            found = re.search(r"/me/([A-Za-z0-9_-]+)", text_of(message))
            if found:
                return found.group(1)
        return None

    return str(await eventually(receipt, timeout=60, what="the receipt with the person's link"))


def st_command(service: str, url: str, caller: Caller, args: argparse.Namespace) -> list[str]:
    report = Path(args.report_dir) / f"{service}-{caller.name}"
    command = [
        str(Path(sys.executable).parent / "st"),
        "--config-file",
        str(ROOT / "scripts" / "fuzz.toml"),
        "run",
        f"{url}/openapi.json",
        "--header",
        f"Authorization: Bearer {caller.key}",
        "--phases",
        args.phases,
        "--checks",
        args.checks,
        "--max-examples",
        str(args.max_examples),
        "--seed",
        str(args.seed),
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--generation-database",
        "none",
        "--report",
        "junit,ndjson",
        "--report-dir",
        str(report),
        "--no-color",
    ]
    if caller.include:
        command += ["--include-path-regex", caller.include]
    if caller.exclude:
        command += ["--exclude-path-regex", caller.exclude]
    return command


async def run_schemathesis(
    service: str, url: str, caller: Caller, real: dict[str, str], args: argparse.Namespace
) -> int:
    print(f"\n=== {service} as {caller.name} ===", flush=True)
    env = {
        **os.environ,
        # read by scripts/fuzz.toml: the real office, link and ids
        "HOPPID_FUZZ_OFFICE": OFFICE,
        **{f"HOPPID_FUZZ_{name.upper()}": value for name, value in real.items()},
    }
    process = await asyncio.create_subprocess_exec(
        *st_command(service, url, caller, args), env=env, cwd=ROOT
    )
    return await process.wait()


async def main(args: argparse.Namespace) -> int:
    unique = uuid.uuid4().hex[:10]
    mailbox = Mailbox()
    controller, port = start_smtp(mailbox)
    platform = Platform(f"fuzz-{unique}.", f"fuzz_{unique}", mailbox, port)
    for name in SERVICES:
        # the fuzzer sends thousands of requests from one address: no limit of the public form
        # or of key guessing may stop it before the code behind it
        platform.services[name] = ServiceProcess(name, {**platform.env(name), **UNLIMITED})
    failed: list[str] = []
    try:
        for name in SERVICES:
            await platform.start(name)
        async with httpx.AsyncClient(timeout=30) as client:
            staff = await issue_staff_key(platform, client)
            token = await person_link(platform, client)
            case = await client.get(f"{platform.url('intake')}/v1/cases", headers=bearer(staff))
            real = {"token": token, "case_id": str(case.json()[0]["id"])}
            real.update(await scheduling_things(platform, client, staff))
            real["booking"] = await a_booking(platform, client, staff, real)
        for service, caller in callers(staff):
            if service in (args.service or SERVICES):
                url = platform.url(service)
                if await run_schemathesis(service, url, caller, real, args):
                    failed.append(f"{service} as {caller.name}")
        if args.keep:
            print("services:", {n: platform.url(n) for n in SERVICES}, flush=True)
            print(f"staff key: {staff}\nperson's link: {token}", flush=True)
            await asyncio.Event().wait()
    finally:
        await platform.stop()
        controller.stop()
        client_ = make_mongo_client(mongodb_url())
        for name in platform.databases():
            await client_.drop_database(name)
        await client_.close()
        await delete_topics(platform.prefix)
    print("\nfailed: " + ", ".join(failed) if failed else "\nevery run passed", flush=True)
    return 1 if failed else 0


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--service", action="append", choices=SERVICES)
    parser.add_argument("--max-examples", type=int, default=20)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--phases", default="examples,coverage,fuzzing,stateful")
    parser.add_argument(
        "--checks",
        default="not_a_server_error,status_code_conformance,content_type_conformance,"
        "response_schema_conformance,problem_json_errors",
    )
    stack = os.environ.get("HOPPID_STACK_DIR") or str(ROOT / ".stack")
    parser.add_argument("--report-dir", default=str(Path(stack) / "fuzz"))
    parser.add_argument("--keep", action="store_true")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(arguments())))
