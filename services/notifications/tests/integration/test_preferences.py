"""A person's message preferences through their signed link: the routes on the running service,
the link in every message, service messages sent whatever the preference, erased people refused;
and the delivery engine (real store, real SMTP server) suppressing an opted-out newsletter."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from notifications_support import LINK_SECRET, IntakeEvents, SmtpServer
from prometheus_client import CollectorRegistry

from hoppid.notifications.composition.templates import Templates
from hoppid.notifications.context import Context
from hoppid.notifications.delivery.deliveries import deliver
from hoppid.notifications.delivery.sms import FileSmsGateway
from hoppid.notifications.metrics import NotificationMetrics
from hoppid.notifications.model import MessageClass, Outgoing
from hoppid.notifications.settings import NotificationsSettings
from hoppid.notifications.store import INDEXES, NotificationsStore
from hoppid.shared.clock import real_now
from hoppid.shared.links import PREFERENCES, narrowed_link, sign_link, verify_link
from hoppid.shared.mongo import apply_indexes
from hoppid.shared.testing import ServiceProcess, eventually, vault_for_tests

# its outcome could depend on the hour, weekday or DST: scripts/time_of_day.sh
pytestmark = pytest.mark.time_of_day

ALL_ON = {"email": True, "sms": True}
# A weekday at noon in Oslo: outside the SMS quiet hours whatever the hour of the test run.
NOON = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)


async def test_preferences_by_link_and_service_messages_still_go(
    notifications: ServiceProcess, intake_events: IntakeEvents, smtp: SmtpServer
) -> None:
    inquiry, token = await intake_events.inquiry_received("pia@example.no", signed=True)
    person = inquiry.data["person_id"]

    async def mails(n: int) -> bool:
        return len(smtp.handler.to("pia@example.no")) == n

    await eventually(lambda: mails(1), what="the receipt")
    receipt = smtp.handler.to("pia@example.no")[0]
    # the footer's link opens the preferences only (not the case, its export or erasure)
    footer = narrowed_link(LINK_SECRET, token, real_now(), PREFERENCES)  # the service signed now
    assert footer is not None and verify_link(LINK_SECRET, footer, real_now()) is None
    link = f"https://hoppid.example/n/v1/me/{footer}/preferences"
    assert link in receipt.text and link in receipt.html
    assert f"{token}/preferences" not in receipt.text  # the full link is not the footer's

    async with httpx.AsyncClient(base_url=notifications.url, timeout=10) as client:
        path = f"/v1/me/{token}/preferences"
        first = await client.get(path)
        assert first.status_code == 200, first.text
        assert (await client.get(f"/v1/me/{footer}/preferences")).status_code == 200
        assert first.json()["non_essential"] == ALL_ON
        changed = await client.put(path, json={"non_essential": {"email": False, "sms": True}})
        assert changed.status_code == 200, changed.text
        assert changed.json()["non_essential"] == {"email": False, "sms": True}
        assert (await client.get(path)).json()["non_essential"] == {"email": False, "sms": True}

        bad = await client.put(path, json={"non_essential": {"email": "maybe", "sms": True}})
        assert bad.status_code == 422 and "email" in bad.text
        assert bad.headers["content-type"].startswith("application/problem+json")
        forged = sign_link("another-secret-another-secret-xx", person, 0, datetime.now(UTC), 9)
        assert (await client.get(f"/v1/me/{forged}/preferences")).status_code == 401
        expired = sign_link(LINK_SECRET, person, 0, datetime.now(UTC) - timedelta(days=10), 1)
        assert (await client.get(f"/v1/me/{expired}/preferences")).status_code == 401

        # a service message (consent confirmation) goes although email is off for the rest
        await intake_events.consent_withdrawn(person, "newsletter")
        await eventually(lambda: mails(2), what="the confirmation")
        assert link in smtp.handler.to("pia@example.no")[1].text

        await intake_events.erasure_requested(person, [inquiry.subject])

        async def refused() -> bool:
            return (await client.get(path)).status_code == 401

        await eventually(refused, what="the erased person refused")
        again = await client.put(path, json={"non_essential": ALL_ON})
        assert again.status_code == 401


async def make_context(database: Any, tmp_path: Path, smtp_port: int) -> Context:
    await apply_indexes(database, INDEXES)
    packaged = tmp_path / "templates"
    (packaged / "nb").mkdir(parents=True)
    (packaged / "nb" / "news.subject").write_text("Nyhetsbrev", "utf-8")
    (packaged / "nb" / "news.txt").write_text("Nytt fra næringshagen.", "utf-8")
    (packaged / "nb" / "_preferences.txt").write_text("Velg her: $preferences_link", "utf-8")
    settings = NotificationsSettings.model_validate(
        {
            "HOPPID_NOTIFICATIONS_SMTP_PORT": smtp_port,
            "HOPPID_NOTIFICATIONS_PREFERENCES_BASE_URL": "https://p.example/",
            "link_secret": LINK_SECRET,
        }
    )
    return Context(
        store=NotificationsStore(database, "test.hoppid.notifications"),
        templates=Templates(packaged=packaged),
        settings=settings,
        sms=FileSmsGateway(tmp_path / "sms.jsonl"),
        metrics=NotificationMetrics(CollectorRegistry()),
        notify=lambda: None,
        vault=vault_for_tests(database),
        now=lambda: NOON,
    )


def message(cause: str, kind: MessageClass, channel: str = "email") -> Outgoing:
    return Outgoing(
        message="news",
        channel=channel,  # type: ignore[arg-type]
        recipient_kind="person",
        recipient_id="p1",
        address="per@example.no" if channel == "email" else "+4791234567",
        office_id="nordveggen",
        language="nb",
        cause_event_id=cause,
        message_class=kind,
        person_id="p1",
        link_token=TOKEN,
    )


TOKEN = sign_link(LINK_SECRET, "p1", 0, NOON, days=30)


async def test_an_opted_out_newsletter_is_suppressed_and_service_mail_is_not(
    database: Any, tmp_path: Path, smtp: SmtpServer
) -> None:
    ctx = await make_context(database, tmp_path, smtp.port)
    await ctx.store.set_preferences("p1", {"non_essential": {"email": False, "sms": True}})
    await deliver(ctx, message("news-1", "non_essential"))
    await deliver(ctx, message("news-1", "non_essential", channel="sms"))
    await deliver(ctx, message("receipt-1", "service"))

    by_cause = {d["cause_event_id"] + d["channel"]: d async for d in database["deliveries"].find()}
    stopped = by_cause["news-1email"]
    assert (stopped["status"], stopped["reason"]) == ("suppressed", "opted_out")
    assert stopped["outbox"][0]["event"]["type"] == "no.hoppid.notifications.message.suppressed.v2"
    assert stopped["outbox"][0]["event"]["data"]["reason"] == "opted_out"
    assert by_cause["news-1sms"]["status"] == "sent"  # sms still on
    assert by_cause["receipt-1email"]["status"] == "sent"  # a service message always goes
    received = smtp.handler.to("per@example.no")
    footer = narrowed_link(LINK_SECRET, TOKEN, NOON, PREFERENCES)
    assert len(received) == 1 and f"https://p.example/{footer}/preferences" in received[0].text
