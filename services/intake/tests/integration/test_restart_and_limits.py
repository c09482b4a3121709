"""Faults and limits: a crash in the middle of a burst loses and doubles nothing; 429."""

import asyncio
import re
from typing import Any

import httpx
from intake_support import ADMIN_KEY, inquiry, intake_env, started

from hoppid.shared.testing import ServiceProcess, eventually, of_type, read_envelopes

BURST = 60


async def submit(client: httpx.AsyncClient, n: int) -> int | None:
    """One submission with its own idempotency key; None when the server did not answer."""
    try:
        response = await client.post(
            "/v1/inquiries", json=inquiry(n), headers={"Idempotency-Key": f"burst-{n}"}
        )
    except httpx.HTTPError:
        return None
    return response.status_code


async def test_killed_mid_burst_then_restarted_no_case_lost_or_doubled(
    topic_prefix: str, unique: str, database: Any
) -> None:
    env = intake_env(topic_prefix, unique, HOPPID_INTAKE_SUBMISSIONS_PER_HOUR="100000")
    service = await started(ServiceProcess("intake", env))
    try:
        async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:
            burst = [asyncio.create_task(submit(client, n)) for n in range(BURST)]

            async def quarter_written() -> bool:
                return await database["cases"].count_documents({}) >= BURST // 4

            await eventually(quarter_written, interval=0.02, what="a quarter of the burst")
            await service.kill()  # mid-burst: some requests die half way
            first = await asyncio.gather(*burst)
        assert None in first or any(code and code >= 500 for code in first)

        await started(service)  # the same port, the same data
        async with httpx.AsyncClient(base_url=service.url, timeout=30) as client:
            # clients retry what got no good answer, with the same idempotency key
            again = [n for n, code in enumerate(first) if code not in (200, 201)]
            retried = await asyncio.gather(*(submit(client, n) for n in again))
            assert set(retried) <= {200, 201}
            # and a client that retries a success gets the same case, not a new one
            assert await submit(client, 0) == 200
        # while the restarted service runs, its relay publishes what the crash left pending
        found = await read_envelopes(
            f"{topic_prefix}hoppid.intake",
            lambda es: len({e.subject for e in of_type(es, "intake.case.opened.v1")}) == BURST,
            timeout=60,
        )
    finally:
        await service.stop()

    assert await database["cases"].count_documents({}) == BURST
    references = {c["reference"] async for c in database["cases"].find({})}
    assert len(references) == BURST
    opened = of_type([e for _, e in found], "intake.case.opened.v1")
    by_case: dict[str, set[str]] = {}
    for envelope in opened:
        by_case.setdefault(envelope.subject, set()).add(envelope.id)
    assert len(by_case) == BURST
    # one case-opened event per case (a relay re-publish repeats the same id, never a new one)
    assert all(len(ids) == 1 for ids in by_case.values())


async def test_too_many_submissions_from_one_address_get_429(
    topic_prefix: str, unique: str, database: Any
) -> None:
    env = intake_env(topic_prefix, unique, HOPPID_INTAKE_SUBMISSIONS_PER_HOUR="3")
    service = await started(ServiceProcess("intake", env))
    try:
        async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:
            codes = [await submit(client, n) for n in range(5)]
            limited = await client.post("/v1/inquiries", json=inquiry(9))
    finally:
        await service.stop()
    assert codes == [201, 201, 201, 429, 429]
    assert limited.headers["content-type"] == "application/problem+json"
    assert int(limited.headers["retry-after"]) > 0
    assert await database["cases"].count_documents({}) == 3


async def test_behind_a_trusted_proxy_each_client_has_its_own_limit(
    topic_prefix: str, unique: str, database: Any
) -> None:
    """Behind an ingress every request comes from the proxy: the limit follows the client it
    forwards for, and a client cannot pose as another by adding hops of its own."""
    env = intake_env(
        topic_prefix,
        unique,
        HOPPID_INTAKE_SUBMISSIONS_PER_HOUR="2",
        HOPPID_TRUSTED_PROXIES="127.0.0.0/8",  # the test's own connection plays the ingress
    )
    service = await started(ServiceProcess("intake", env))

    async def send(n: int, forwarded_for: str) -> int:
        response = await client.post(
            "/v1/inquiries", json=inquiry(n), headers={"X-Forwarded-For": forwarded_for}
        )
        return response.status_code

    try:
        async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:
            first = [await send(n, "203.0.113.7") for n in range(3)]
            # a made-up hop left of the real client changes nothing: still 203.0.113.7
            posing = await send(3, "198.51.100.1, 203.0.113.7")
            other = [await send(n, "203.0.113.8") for n in range(4, 6)]
    finally:
        await service.stop()
    assert first == [201, 201, 429]
    assert posing == 429
    assert other == [201, 201]


async def test_wrong_keys_are_throttled_per_client_address(topic_prefix: str, unique: str) -> None:
    """Guessing keys is stopped: after 3 wrong keys from one address (sign-in form and API
    alike) its attempts get 429 for the hour, the right key included; no key is no guess."""
    env = intake_env(
        topic_prefix, unique, HOPPID_AUTH_FAILURES_PER_HOUR="3", HOPPID_COOKIE_SECURE="false"
    )
    service = await started(ServiceProcess("intake", env))
    try:
        async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:

            async def cases(key: str | None) -> httpx.Response:
                headers = {"Authorization": f"Bearer {key}"} if key else {}
                return await client.get("/v1/cases", headers=headers)

            async def sign_in(key: str) -> httpx.Response:
                form = await client.get("/pages/sign-in")
                found = re.search(r'name="csrf" value="([^"]+)"', form.text)
                assert found, "the sign-in form carries its CSRF token"
                data = {"key": key, "next": "/pages/staff", "csrf": found.group(1)}
                return await client.post("/pages/sign-in", data=data)

            no_key = [(await cases(None)).status_code for _ in range(5)]  # not counted
            wrong = [(await sign_in("hk_guess.x")).status_code]
            wrong += [(await cases(f"hk_guess{n}.x")).status_code for n in range(2)]
            throttled = await cases("hk_guess9.x")
            right_key = await cases(ADMIN_KEY)
            page = await sign_in(ADMIN_KEY)
    finally:
        await service.stop()
    assert no_key == [401] * 5
    assert wrong == [401, 401, 401]
    assert throttled.status_code == 429
    assert throttled.headers["content-type"] == "application/problem+json"
    assert int(throttled.headers["retry-after"]) > 0
    assert right_key.status_code == 429
    assert page.status_code == 429 and int(page.headers["retry-after"]) > 0
