"""Faults and limits: a crash in the middle of a burst loses and doubles nothing; 429."""

import asyncio
from typing import Any

import httpx
from intake_support import inquiry, intake_env, started

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
