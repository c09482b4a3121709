"""The platform admin's dead-letter page (issue 16) through HTTP on the intake process, against
the real broker: a poison record dead-lettered by a real EventConsumer shows with its error and
origin (never its data); re-driving it twice publishes it once, and its handler, fixed, handles
it once. Only the platform admin: 401/403 problem+json for other callers, the sign-in page and a
403 page for a browser. No Kafka mocks."""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from intake_support import ADMIN_KEY, Intake, running_intake

from hoppid.contracts import intake as ev
from hoppid.shared import dlq
from hoppid.shared.clock import real_now
from hoppid.shared.consumer import EventConsumer
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event, catalogue
from hoppid.shared.kafka import make_broker
from hoppid.shared.metrics import ServiceMetrics
from hoppid.shared.settings import ServiceSettings
from hoppid.shared.testing import eventually, kafka_client, kafka_servers

PROBLEM = "application/problem+json"
HTML = {"Accept": "text/html,application/xhtml+xml"}
SECRET = "HOP-SECRET-REFERENCE"  # stands for data that must not show on the page


@pytest.fixture
async def intake(topic_prefix: str, unique: str, database: Any) -> AsyncIterator[Intake]:
    """intake with plain-http cookies, so a test client keeps its session."""
    env = {"HOPPID_COOKIE_SECURE": "false"}
    async with running_intake(topic_prefix, unique, database, **env) as started_intake:
        yield started_intake


@dataclass
class Opener:
    """A consumer group of intake's topic whose case.opened handler fails until fixed."""

    topic: str
    group: str
    fixed: bool = False
    handled: list[str] = field(default_factory=list)  # ce_id of each case.opened it handled

    def __post_init__(self) -> None:
        settings = ServiceSettings(kafka_bootstrap_servers=kafka_servers())
        self.broker = make_broker(settings, client_id="test-admin-dlq")
        self.consumer = EventConsumer(
            broker=self.broker,
            group_id=self.group,
            topics=(self.topic,),
            catalogue=catalogue,
            metrics=ServiceMetrics("testing"),
            max_retries=1,
            retry_base_seconds=0.05,
        )

        @self.consumer.on(ev.CaseOpened.event_type)
        async def opened(event: Event, envelope: Envelope) -> None:
            if not self.fixed:
                raise ValueError("cannot open the case yet")  # not transient: dead-lettered
            if envelope.id not in self.handled:  # idempotent by event id, as every consumer
                self.handled.append(envelope.id)

    async def __aenter__(self) -> "Opener":
        self.consumer.attach()
        await self.broker.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.broker.stop()


def poison() -> Envelope:
    event = ev.CaseOpened(
        case_id="case-dlq-page",
        office_id="nordveggen",
        person_id="person-dlq-page",
        reference=SECRET,
        municipality="1539",
        needs=["guidance"],
        stage="idea",
        language="nb",
        meeting_mode="digital",
        opened_at=real_now(),
        first_case_of_person=True,
    )
    return event.to_envelope(source=ev.SOURCE, subject="case-dlq-page", office="nordveggen")


async def publish(topic: str, envelope: Envelope) -> None:
    producer = AIOKafkaProducer(**kafka_client(), acks="all")
    await producer.start()
    try:
        headers = [(k, v.encode()) for k, v in envelope.headers().items()]
        await producer.send_and_wait(topic, envelope.value(), key=envelope.key(), headers=headers)
    finally:
        await producer.stop()


async def copies_of(topic: str, event_id: str) -> int:
    """How many records of the topic (read to its end) carry this CloudEvents id."""
    records = await dlq.read_topic(kafka_servers(), topic) or []
    return sum(1 for r in records if ("ce_id", event_id.encode()) in list(r.headers))


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found, "every form carries its CSRF token"
    return found.group(1)


@asynccontextmanager
async def signed_in(url: str, key: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=url, timeout=30, headers=HTML) as browser:
        form = await browser.get("/pages/sign-in")
        posted = await browser.post(
            "/pages/sign-in",
            data={"key": key, "next": "/pages/admin/dlq", "csrf": csrf_of(form.text)},
        )
        assert posted.status_code == 303, posted.text
        yield browser


async def redrive(browser: httpx.AsyncClient, position: str) -> dict[str, list[str]]:
    """Choose one dead letter on the page and re-drive it; what the page reports."""
    page = await browser.get("/pages/admin/dlq?topic=intake")
    posted = await browser.post(
        "/pages/admin/dlq/redrive",
        data={"csrf": csrf_of(page.text), "topic": "intake", "position": position},
    )
    assert posted.status_code == 303, posted.text
    return parse_qs(urlsplit(posted.headers["location"]).query)


async def test_a_dead_letter_on_the_page_re_driven_twice_goes_out_once(
    intake: Intake, topic_prefix: str
) -> None:
    topic = intake.topic
    letter = poison()
    async with Opener(topic, f"{topic_prefix}test.dlq-page") as opener:
        await publish(topic, letter)

        async def dead_lettered() -> list[dlq.DeadLetter]:
            return await dlq.read_dead_letters(kafka_servers(), topic) or []

        (dead,) = await eventually(dead_lettered, timeout=60, what="the poison dead-lettered")
        position = dead.position

        async with signed_in(intake.service.url, ADMIN_KEY) as browser:
            page = await browser.get("/pages/admin/dlq", params={"topic": "intake"})
            assert page.status_code == 200, page.text
            assert f'name="position" value="{position}"' in page.text
            assert "ValueError: cannot open the case yet" in page.text
            assert f"{topic}:{dead.origin_partition}:{dead.origin_offset}" in page.text
            assert letter.id in page.text and ev.CaseOpened.event_type in page.text
            assert f"{topic_prefix}test.dlq-page" in page.text  # the group that failed
            assert SECRET not in page.text  # ids and origin, never the data

            # the CSRF token is required from a signed-in browser
            refused = await browser.post(
                "/pages/admin/dlq/redrive", data={"topic": "intake", "position": position}
            )
            assert refused.status_code == 403
            nothing = await browser.post(
                "/pages/admin/dlq/redrive", data={"csrf": csrf_of(page.text), "topic": "intake"}
            )
            assert nothing.status_code == 422 and 'id="error-positions"' in nothing.text

            opener.fixed = True
            first = await redrive(browser, position)
            assert first["redriven"] == ["1"] and first["already"] == ["0"], first
            assert first["covered"] == ["0"] and first["missing"] == ["0"], first
            second = await redrive(browser, position)
            assert second["redriven"] == ["0"] and second["already"] == ["1"]

            report = {name: values[0] for name, values in first.items()}
            after = await browser.get("/pages/admin/dlq", params=report)
            assert "1 sendt på nytt" in after.text and f'value="{position}"' not in after.text
            assert f"Sendt på nytt til {topic}:" in after.text
            english = await browser.get("/pages/admin/dlq?topic=intake&lang=en")
            assert "Dead letters" in english.text and "Re-driven to" in english.text

        await eventually(lambda: _handled(opener), timeout=60, what="the re-driven event handled")
    assert opener.handled == [letter.id]
    assert await copies_of(topic, letter.id) == 2  # the original and one re-drive


async def _handled(opener: Opener) -> bool:
    return bool(opener.handled)


async def test_only_the_platform_admin_sees_dead_letters(intake: Intake) -> None:
    office = await intake.key("nordveggen", "office_admin")
    async with httpx.AsyncClient(base_url=intake.service.url, timeout=30) as client:
        for method, path in (("GET", "/pages/admin/dlq"), ("POST", "/pages/admin/dlq/redrive")):
            anonymous = await client.request(method, path)
            assert anonymous.status_code == 401, (method, anonymous.text)
            assert anonymous.headers["content-type"].startswith(PROBLEM)
            wrong = await client.request(
                method, path, headers={"Authorization": "Bearer hk_0000.not-a-key"}
            )
            assert wrong.status_code == 401 and wrong.headers["content-type"].startswith(PROBLEM)
            refused = await client.request(
                method, path, headers={"Authorization": f"Bearer {office}"}
            )
            assert refused.status_code == 403, refused.text
            assert refused.headers["content-type"].startswith(PROBLEM)
        by_key = await client.get(
            "/pages/admin/dlq?topic=scheduling", headers={"Authorization": f"Bearer {ADMIN_KEY}"}
        )
        assert by_key.status_code == 200 and "Feilkø" in by_key.text
        unknown = await client.get(
            "/pages/admin/dlq?topic=elsewhere", headers={"Authorization": f"Bearer {ADMIN_KEY}"}
        )
        assert unknown.status_code == 422 and 'id="error-topic"' in unknown.text
        browser = await client.get("/pages/admin/dlq", headers=HTML)
        assert browser.status_code == 303
        assert browser.headers["location"] == "/pages/sign-in?next=/pages/admin/dlq"
    async with signed_in(intake.service.url, office) as browser:
        page = await browser.get("/pages/admin/dlq")
        assert page.status_code == 403 and "Bare plattformadministratoren" in page.text
