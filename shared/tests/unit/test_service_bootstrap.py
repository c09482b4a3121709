"""The skeleton's one hook: a service's bootstrap runs once, before its consumer groups
subscribe; a group made later is refused; its install adds its routes after the shared ones; a
failed background job is started again on its own while the others go on."""

import asyncio

import pytest
from fastapi import APIRouter, FastAPI

from hoppid.shared import service
from hoppid.shared.service import (
    Job,
    Runtime,
    ServiceDefinition,
    ServiceParts,
    build_service,
)
from hoppid.shared.settings import ServiceSettings

DEFINITION = ServiceDefinition(name="skeleton", title="skeleton", description="a test service")


def test_the_bootstrap_runs_once_and_its_groups_subscribe_after_it() -> None:
    calls: list[Runtime] = []

    def bootstrap(settings: ServiceSettings, runtime: Runtime) -> ServiceParts:
        calls.append(runtime)
        runtime.consumer("things", [runtime.topics.domain("elsewhere")])
        router = APIRouter()

        @router.get("/mine")
        async def mine() -> dict[str, str]:
            return {}

        return ServiceParts(install=lambda app: app.include_router(router))

    app = build_service(DEFINITION, ServiceSettings(_env_file=None), bootstrap)
    runtime: Runtime = app.state.runtime
    assert calls == [runtime]
    assert [c.group_id for c in runtime.consumers] == ["hoppid.skeleton.things"]
    assert runtime.consumers_attached
    assert "/mine" in app.openapi()["paths"] and "/readyz" in app.openapi()["paths"]
    with pytest.raises(RuntimeError, match="'late' made after the bootstrap"):
        runtime.consumer("late", ["anywhere"])


def test_the_install_is_the_last_word_on_the_app() -> None:
    seen: list[FastAPI] = []
    app = build_service(
        DEFINITION,
        ServiceSettings(_env_file=None),
        lambda settings, runtime: ServiceParts(install=seen.append),
    )
    assert seen == [app]


async def test_a_failed_job_starts_again_alone(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(service, "JOB_RESTART_SECONDS", 0)
    starts = {"flaky": 0, "steady": 0}
    again = asyncio.Event()

    async def flaky() -> None:
        starts["flaky"] += 1
        if starts["flaky"] == 1:
            raise RuntimeError("store away")
        again.set()
        await asyncio.Event().wait()

    async def steady() -> None:
        starts["steady"] += 1
        await asyncio.Event().wait()

    work = asyncio.gather(
        service._supervised(Job("flaky", flaky)), service._supervised(Job("steady", steady))
    )
    await asyncio.wait_for(again.wait(), timeout=10)
    work.cancel()
    with pytest.raises(asyncio.CancelledError):
        await work
    assert starts == {"flaky": 2, "steady": 1}
    assert "background job flaky failed" in caplog.text
