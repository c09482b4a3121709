"""Test support for scheduling's pages: the service with plain-http cookies, a person with an
offered case, and a browser-like client that reads the CSRF field and posts forms.

Imported by name (pytest's pythonpath has this folder), so it must stay uniquely named."""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from scheduling_support import OFFICE, Scheduling, scheduling_env, started

from hoppid.contracts import intake as intake_events
from hoppid.shared.links import sign_link
from hoppid.shared.testing import TEST_LINK_SECRET, ServiceProcess, eventually

SECRET = TEST_LINK_SECRET  # the one the services the tests start run with
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')
SLOT = re.compile(r'name="slot" value="([^"]+)"')


@pytest.fixture
async def site(topic_prefix: str, unique: str, database: Any) -> AsyncIterator[Scheduling]:
    """scheduling as its own process, its cookies not Secure (plain http on loopback)."""
    env = scheduling_env(topic_prefix, unique, HOPPID_COOKIE_SECURE="false")
    service = await started(ServiceProcess("scheduling", env))
    try:
        async with httpx.AsyncClient(base_url=service.url, timeout=30) as client:
            yield Scheduling(
                service, client, f"{topic_prefix}hoppid.scheduling", f"{topic_prefix}hoppid.intake"
            )
    finally:
        await service.stop()


def token_of(person_id: str) -> str:
    return sign_link(SECRET, person_id, 0, datetime.now(UTC), days=30)


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, "the page has a form with its CSRF field"
    return found.group(1)


def slots_of(page: httpx.Response) -> list[str]:
    return SLOT.findall(page.text)


async def post_form(
    client: httpx.AsyncClient, page: httpx.Response, path: str, **fields: Any
) -> httpx.Response:
    """Post a form of ``page`` as a browser would: with the page's CSRF field and cookie."""
    return await client.post(path, data={"csrf": csrf_of(page), **fields})


async def sign_in(client: httpx.AsyncClient, key: str) -> None:
    """Sign ``client`` in with a staff key on the sign-in page, as a browser would."""
    form = await client.get("/pages/sign-in")
    signed = await client.post(
        "/pages/sign-in", data={"csrf": csrf_of(form), "key": key, "next": "/pages/staff"}
    )
    assert signed.status_code == 303, signed.text


@asynccontextmanager
async def signed_in(site: Scheduling, key: str) -> AsyncIterator[httpx.AsyncClient]:
    """A browser-like client of the site's pages of its own (cookies apart), signed in."""
    async with httpx.AsyncClient(base_url=site.service.url, timeout=30) as client:
        await sign_in(client, key)
        yield client


async def open_case(scheduling: Scheduling, person: str, case: str) -> str:
    """intake's case.opened for the person; their link token once times are offered."""
    opened = intake_events.CaseOpened(
        case_id=case,
        office_id=OFFICE,
        person_id=person,
        reference=f"HOP-TEST-{case[-4:]}",
        municipality="1539",
        needs=["guidance"],
        stage="idea",
        language="nb",
        meeting_mode="digital",
        opened_at=datetime.now(UTC),
        first_case_of_person=True,
    )
    await scheduling.publish(opened, case)
    token = token_of(person)

    async def offered() -> bool:
        page = await scheduling.client.get(f"/pages/me/{token}/meetings")
        return page.status_code == 200 and bool(slots_of(page))

    await eventually(offered, what="times offered on the person's page")
    return token
