"""Every service, run as its own process against the real stack, answers the operations routes."""

import json

import httpx
import pytest

from hoppid.shared.testing import ServiceProcess, eventually, kafka_servers, mongodb_url

SERVICES = ["intake", "scheduling", "notifications", "reporting"]


async def start(name: str, topic_prefix: str, unique: str) -> ServiceProcess:
    """The service as its own process against the real stack, in a database of the test's."""
    environment = {
        "HOPPID_KAFKA_BOOTSTRAP_SERVERS": kafka_servers(),
        "HOPPID_MONGODB_URL": mongodb_url(),
        "HOPPID_TOPIC_PREFIX": topic_prefix,
        "HOPPID_DATABASE": f"test_{unique}",
    }
    return await ServiceProcess(name, environment).start()


@pytest.mark.parametrize("name", SERVICES)
async def test_service_answers_health_ready_metrics_openapi_asyncapi(
    name: str, topic_prefix: str, unique: str
) -> None:
    service = await start(name, topic_prefix, unique)
    try:
        async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:
            assert (await client.get("/healthz")).json() == {"status": "ok"}

            async def ready() -> bool:
                return (await client.get("/readyz")).status_code == 200

            await eventually(ready, timeout=60, what=f"{name} ready")
            body = (await client.get("/readyz")).json()
            assert body == {
                "status": "ready",
                "checks": {"kafka": "ok", "store": "ok", "consumers": "ok"},
            }

            # metrics on their own port (offices' figures are on it), none on the public one
            metrics = await client.get(service.metrics_url)
            assert metrics.status_code == 200
            assert "hoppid_http_requests_total" in metrics.text
            assert f'service="{name}"' in metrics.text
            assert (await client.get("/metrics")).status_code == 404

            openapi = (await client.get("/openapi.json")).json()
            assert openapi["info"]["title"] == f"hoppid {name}"
            assert "/readyz" in openapi["paths"]

            asyncapi = (await client.get("/asyncapi.json")).json()
            assert asyncapi["asyncapi"].startswith("3.")
            assert asyncapi["info"]["title"] == f"hoppid {name} events"
            json.dumps(asyncapi)
    finally:
        await service.stop()
    assert "Traceback" not in service.log_text()


# a made-up token: any path segment after /me/ or /calendars/ is cut, valid or not
SECRET = "v1.c2VjcmV0LXBheWxvYWQ.c2lnbmF0dXJlLWhlcmU"
SECRET_URLS = {
    "intake": [f"/v1/me/{SECRET}", f"/pages/me/{SECRET}"],
    "scheduling": [
        f"/v1/me/{SECRET}/meetings",
        f"/pages/me/{SECRET}",
        f"/v1/calendars/{SECRET}.ics",
    ],
    "notifications": [f"/v1/me/{SECRET}/preferences", f"/pages/me/{SECRET}/preferences"],
}


@pytest.mark.parametrize("name", sorted(SECRET_URLS))
async def test_the_access_log_holds_no_link_token(
    name: str, topic_prefix: str, unique: str
) -> None:
    """Whoever reads the logs cannot open a person's link or an advisor's calendar feed."""
    service = await start(name, topic_prefix, unique)
    try:
        async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:

            async def ready() -> bool:
                return (await client.get("/readyz")).status_code == 200

            await eventually(ready, timeout=60, what=f"{name} ready")
            for url in SECRET_URLS[name]:
                answer = await client.get(url)
                assert answer.status_code < 500, (url, answer.text)

            async def logged() -> bool:  # the access log is written after the answer
                return service.log_text().count("[redacted]") >= len(SECRET_URLS[name])

            await eventually(logged, timeout=10, what="the requests in the access log")
    finally:
        await service.stop()
    log = service.log_text()
    assert "c2VjcmV0" not in log and "c2lnbmF0dXJl" not in log
