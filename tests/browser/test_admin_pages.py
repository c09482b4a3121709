"""The platform admin's dead-letter page in a real browser (issue 16): a record the running
services cannot read is dead-lettered by their consumers; the admin signs in on intake, sees the
dead letters, ticks one and re-drives it. Every page is checked with axe-core."""

from __future__ import annotations

import re
from typing import Any

from aiokafka import AIOKafkaProducer
from browser_support import WebPlatform, check_page, new_page
from platform_support import ADMIN_KEY

from hoppid.contracts import intake as ev
from hoppid.shared import dlq
from hoppid.shared.clock import real_now
from hoppid.shared.envelope import Envelope
from hoppid.shared.testing import eventually, kafka_client, kafka_servers


async def poison(topic: str) -> None:
    """A case.opened.v1 without most of its fields: every consumer of it dead-letters it."""
    envelope = Envelope(
        type=ev.CaseOpened.event_type,
        source=ev.SOURCE,
        subject="case-browser-poison",
        office="nordveggen",
        data={"case_id": "case-browser-poison"},
        time=real_now(),
    )
    producer = AIOKafkaProducer(**kafka_client(), acks="all")
    await producer.start()
    try:
        headers = [(k, v.encode()) for k, v in envelope.headers().items()]
        await producer.send_and_wait(topic, envelope.value(), key=envelope.key(), headers=headers)
    finally:
        await producer.stop()


async def test_the_admin_sees_dead_letters_and_re_drives_one(
    web_platform: WebPlatform, browser: Any
) -> None:
    topic = f"{web_platform.prefix}hoppid.intake"
    await poison(topic)

    async def dead_lettered() -> list[dlq.DeadLetter]:
        return await dlq.read_dead_letters(kafka_servers(), topic) or []

    await eventually(dead_lettered, timeout=60, what="the poison dead-lettered")

    admin = await new_page(browser)
    await admin.goto(f"{web_platform.public('intake')}/pages/admin/dlq")
    await admin.wait_for_url(re.compile(r"/pages/sign-in\?next=/pages/admin/dlq$"))
    await admin.get_by_label("Nøkkel").fill(ADMIN_KEY)
    await admin.get_by_role("button", name="Logg inn").click()
    await admin.wait_for_url(re.compile(r"/pages/admin/dlq$"))
    assert await admin.get_by_role("cell", name=re.compile("invalid data")).count() > 0
    await check_page(admin)

    await admin.get_by_label(re.compile(r"^Send på nytt: \d+:\d+$")).first.check()
    await admin.get_by_role("button", name="Send de valgte på nytt").click()
    await admin.wait_for_url(re.compile(r"redriven=1"))
    assert "1 sendt på nytt" in await admin.get_by_role("status").first.inner_text()
    await check_page(admin)
