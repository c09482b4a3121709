"""notifications' retention pass. A message's body (its text, which may hold the person's link)
is dropped as soon as it is sent or given up (hoppid.notifications.delivery.deliveries); what a
delivery keeps after that (the address, the subject, whose it was) goes once it is past its
period, and the delivery keeps only what counts: which message, channel, office, status and
when. The delivery itself stays, as the claim that the message went once. Meetings' calendar
versions are deleted once the meeting is long past, and whom a programme's reminders go to
(enrolments) a year after the enrolment last changed, the record that a person's export was
answered after a month. People's contact copies go with their erasure (intake's retention erases
them). Periods: ``NotificationsSettings.retain_*``; docs/retention.md."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from hoppid.notifications.delivery.store import DONE as DONE  # the tests wait for these
from hoppid.notifications.settings import NotificationsSettings
from hoppid.notifications.store import NotificationsStore
from hoppid.shared.export_answers import purge_answered

Document = dict[str, Any]


@dataclass(frozen=True)
class Periods:
    deliveries: timedelta  # after a delivery's last change
    meetings: timedelta  # after a meeting's start, an enrolment's last change
    export_answers: timedelta  # after a person's export was answered


def periods(settings: NotificationsSettings) -> Periods:
    return Periods(
        deliveries=timedelta(days=settings.retain_delivery_days),
        meetings=timedelta(days=settings.retain_meeting_days),
        export_answers=timedelta(days=settings.retain_export_answer_days),
    )


async def one_pass(
    db: AsyncDatabase[Document], periods: Periods, now: datetime
) -> Mapping[str, int]:
    # each feature's store does its part (delivery/store.py, copies/store.py, with their
    # indexes); these writes carry no events (no topic)
    store = NotificationsStore(db, topic="")
    return {
        "deliveries_anonymised": await store.anonymise_deliveries_before(
            now - periods.deliveries, now
        ),
        "meetings_deleted": await store.delete_meetings_before(now - periods.meetings),
        "enrolments_deleted": await store.delete_enrolments_before(now - periods.meetings),
        **await purge_answered(db, now - periods.export_answers),
    }
