"""A retention run with the moment moved past every period leaves only counts, across the
platform: a person with an inquiry, a booked meeting and messages; intake's pass erases them
(the erasure path: scheduling cancels the meeting, notifications confirms and forgets), then
scheduling's and notifications' passes drop what still tied a meeting or a message to them,
and reporting's drops its pseudonymous record of the case; reporting's figures stay."""

from datetime import timedelta
from typing import Any

import httpx
from platform_support import COUNTY_KEY, Platform, bearer
from test_journeys import (
    EMAIL,
    book_through_link,
    confirmation_mail,
    inquiry,
    link_token,
    mail_to,
    office_ready,
)

from hoppid.intake import retention as intake_retention
from hoppid.intake.context import Context
from hoppid.intake.settings import IntakeSettings
from hoppid.intake.store import IntakeStore
from hoppid.notifications import retention as notifications_retention
from hoppid.notifications.settings import NotificationsSettings
from hoppid.reporting import retention as reporting_retention
from hoppid.reporting.settings import ReportingSettings
from hoppid.scheduling import retention as scheduling_retention
from hoppid.scheduling.settings import SchedulingSettings
from hoppid.shared.clock import real_now
from hoppid.shared.testing import eventually, vault_for_tests

# past every default period: three years after a closed case, two after an open one, ...
LATER = timedelta(days=3 * 365 + 30)


async def figures(platform: Platform, client: httpx.AsyncClient) -> Any:
    async def found() -> Any:
        response = await client.get(
            f"{platform.url('reporting')}/v1/figures",
            params={"office": "nordveggen"},
            headers=bearer(COUNTY_KEY),
        )
        rows = response.json() if response.status_code == 200 else []
        return rows[0] if rows and rows[0]["meetings_booked"] else None

    return await eventually(found, timeout=60, what="reporting's figures")


async def test_a_retention_run_past_every_period_leaves_only_counts(
    platform: Platform, mongo: Any
) -> None:
    db = {name: mongo[f"test_{platform.unique}_{name}"] for name in platform.services}
    async with httpx.AsyncClient(timeout=30) as client:
        await office_ready(platform, client)
        await client.post(f"{platform.url('intake')}/v1/inquiries", json=inquiry())
        token = link_token((await mail_to(platform, EMAIL, 1))[0])
        booking = await book_through_link(platform, client, token)
        await confirmation_mail(platform)
        before = await figures(platform, client)
        person = (await db["intake"]["people"].find_one({}))["_id"]
        moment = real_now() + LATER

        intake = Context(
            store=IntakeStore(db["intake"], f"{platform.prefix}hoppid.intake"),
            link_secret="unused-here",
            link_days=90,
            notify=lambda: None,  # the running intake's relay publishes the erasure
            vault=vault_for_tests(mongo[f"test_{platform.unique}_vault"]),
        )
        periods = intake_retention.periods(IntakeSettings())
        erased = await intake_retention.one_pass(intake, periods, moment)
        assert erased["people_erased"] == 1

        async def erasure_confirmed() -> bool:
            mails = platform.mailbox.to(EMAIL)
            forgotten = await db["notifications"]["people"].find_one({"_id": person})
            return bool(forgotten and forgotten.get("erased_at")) and any(
                "sletta" in str(m["Subject"]) for m in mails
            )

        await eventually(erasure_confirmed, timeout=60, what="notifications confirmed, forgot")

        async def cancelled() -> bool:
            stored = await db["scheduling"]["bookings"].find_one({"_id": booking["id"]})
            return bool(stored and stored["status"] == "cancelled")

        await eventually(cancelled, what="scheduling cancelled the meeting")

        async def cancellation_handled() -> bool:  # the person erased: not sent, but recorded
            deliveries = [d async for d in db["notifications"]["deliveries"].find({})]
            messages = {d["message"] for d in deliveries}
            done = all(d["status"] in notifications_retention.DONE for d in deliveries)
            return "meeting_cancelled" in messages and done

        await eventually(cancellation_handled, what="notifications handled the cancellation")
        scheduling = scheduling_retention.periods(SchedulingSettings())
        await scheduling_retention.one_pass(db["scheduling"], scheduling, moment)
        notifications = notifications_retention.periods(NotificationsSettings())
        await notifications_retention.one_pass(db["notifications"], notifications, moment)

        for name in ("intake", "scheduling", "notifications"):
            for collection in ("people", "cases", "bookings", "offers", "deliveries"):
                async for document in db[name][collection].find({}):
                    text = str(document).lower()
                    assert "kari" not in text and "example.no" not in text, (name, collection)
                    if name != "intake":  # intake's scrubbed cases name the erased id
                        assert document.get("person_id") is None, (name, collection)
        after = await figures(platform, client)
        for figure in ("inquiries", "meetings_booked"):
            assert after[figure] == before[figure] == 1  # the counts stay

        # reporting, once it counted the cancellation: the case's record goes, the figures stay
        counted = await eventually(
            lambda: _cancelled_counted(platform, client), what="reporting counted the cancellation"
        )
        case_id = (await db["intake"]["cases"].find_one({}))["_id"]
        reporting = reporting_retention.periods(ReportingSettings())
        dropped = await reporting_retention.one_pass(db["reporting"], reporting, moment)
        assert dropped["cases_dropped"] == 1
        assert await db["reporting"]["v1_cases"].find_one({"_id": case_id}) is None
        assert await figures(platform, client) == counted


async def _cancelled_counted(platform: Platform, client: httpx.AsyncClient) -> Any:
    row = await figures(platform, client)
    return row if row["meetings_cancelled"] else None
