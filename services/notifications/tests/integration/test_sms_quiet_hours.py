"""SMS wait for the morning: the delivery engine against the real store and the development SMS
gateway's file, with a clock the test sets (no Kafka: scheduling's SMS-bearing events come later).
"""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from hoppid.contracts import intake as ev
from hoppid.notifications.composition.templates import Templates
from hoppid.notifications.context import Context
from hoppid.notifications.delivery import scheduler
from hoppid.notifications.delivery.deliveries import deliver
from hoppid.notifications.delivery.sms import FileSmsGateway
from hoppid.notifications.metrics import NotificationMetrics
from hoppid.notifications.model import Outgoing
from hoppid.notifications.reactions import person
from hoppid.notifications.settings import NotificationsSettings
from hoppid.notifications.store import INDEXES, NotificationsStore
from hoppid.shared.mongo import apply_indexes
from hoppid.shared.testing import vault_for_tests

# its outcome could depend on the hour, weekday or DST: scripts/time_of_day.sh
pytestmark = pytest.mark.time_of_day


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


async def make_context(database: Any, tmp_path: Path, clock: Clock) -> Context:
    await apply_indexes(database, INDEXES)
    packaged = tmp_path / "templates"
    (packaged / "nb").mkdir(parents=True)
    (packaged / "nb" / "reminder.subject").write_text("Påminnelse", "utf-8")
    (packaged / "nb" / "reminder.txt").write_text("Møte i morgen kl. $time.", "utf-8")
    return Context(
        store=NotificationsStore(database, "test.hoppid.notifications"),
        templates=Templates(packaged=packaged),
        settings=NotificationsSettings(),
        sms=FileSmsGateway(tmp_path / "sms.jsonl"),
        metrics=NotificationMetrics(CollectorRegistry()),
        notify=lambda: None,
        vault=vault_for_tests(database),
        now=clock,
    )


def sms(cause: str, person: str = "p1") -> Outgoing:
    return Outgoing(
        message="reminder",
        channel="sms",
        recipient_kind="person",
        recipient_id=person,
        address="+4791234567",
        office_id="nordveggen",
        language="nb",
        cause_event_id=cause,
        message_class="service",
        values={"time": "10:00"},
        person_id=person,
    )


def lines(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "sms.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


async def test_an_sms_at_night_waits_until_eight_oslo_time(database: Any, tmp_path: Path) -> None:
    clock = Clock(datetime(2026, 11, 28, 22, 30, tzinfo=UTC))  # 23:30 in Oslo
    ctx = await make_context(database, tmp_path, clock)
    await deliver(ctx, sms("event-1"))
    await deliver(ctx, sms("event-1"))  # the same event again: still one delivery
    assert lines(tmp_path) == []
    waiting = await database["deliveries"].find_one({})
    assert waiting is not None and waiting["status"] == "scheduled"
    assert waiting["scheduled_for"] == datetime(2026, 11, 29, 7, 0, tzinfo=UTC)  # 08:00 Oslo

    clock.at = datetime(2026, 11, 29, 6, 59, tzinfo=UTC)
    assert await scheduler.run_due(ctx) == 0
    clock.at = datetime(2026, 11, 29, 7, 0, tzinfo=UTC)
    assert await scheduler.run_due(ctx) == 1
    assert await scheduler.run_due(ctx) == 0  # sent once
    sent = lines(tmp_path)
    assert [(s["to"], s["text"], s["from"]) for s in sent] == [
        ("+4791234567", "Møte i morgen kl. 10:00.", "Nordveggen")
    ]
    done = await database["deliveries"].find_one({})
    assert done is not None and done["status"] == "sent" and "content" not in done
    assert done["outbox"][0]["event"]["type"] == "no.hoppid.notifications.message.sent.v2"


async def test_a_waiting_sms_of_an_erased_person_never_goes(database: Any, tmp_path: Path) -> None:
    clock = Clock(datetime(2026, 11, 28, 22, 30, tzinfo=UTC))
    ctx = await make_context(database, tmp_path, clock)
    await deliver(ctx, sms("event-2", person="p2"))
    erasure = ev.ErasureRequested(person_id="p2", case_ids=[], requested_at=clock.at)
    await person.erasure_requested(
        ctx, erasure, erasure.to_envelope(source=ev.SOURCE, subject="p2")
    )
    clock.at = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
    assert await scheduler.run_due(ctx) == 0
    assert lines(tmp_path) == []
    stopped = await database["deliveries"].find_one({"channel": "sms"})
    assert stopped is not None and (stopped["status"], stopped["to"]) == ("suppressed", None)
    assert stopped["outbox"][0]["event"]["data"]["reason"] == "erased"


async def test_an_sms_by_day_goes_at_once(database: Any, tmp_path: Path) -> None:
    ctx = await make_context(database, tmp_path, Clock(datetime(2026, 11, 28, 12, 0, tzinfo=UTC)))
    await deliver(ctx, sms("event-3"))
    assert len(lines(tmp_path)) == 1
