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

from hoppid.notifications.copies.store import BOOKINGS, ENROLMENTS
from hoppid.notifications.delivery.store import DELIVERIES
from hoppid.notifications.settings import NotificationsSettings
from hoppid.shared.export_answers import purge_answered
from hoppid.shared.mongo import IndexSpec

Document = dict[str, Any]

DONE = ["sent", "failed", "suppressed"]  # deliveries that will not change any more
INDEXES = [
    IndexSpec(BOOKINGS, ["start"]),  # past meetings
    IndexSpec(ENROLMENTS, ["as_of"]),  # old enrolments
]  # deliveries: the "due" index


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


ANONYMOUS = {
    "to": None,
    "subject": None,
    "person_id": None,
    "recipient_id": None,
    "case_id": None,
}


async def one_pass(
    db: AsyncDatabase[Document], periods: Periods, now: datetime
) -> Mapping[str, int]:
    deliveries = await db[DELIVERIES].update_many(
        {
            "status": {"$in": DONE},
            "updated_at": {"$lt": now - periods.deliveries},
            "anonymised_at": None,
        },
        {"$set": {**ANONYMOUS, "anonymised_at": now}, "$unset": {"content": ""}},
    )
    meetings = await db[BOOKINGS].delete_many({"start": {"$lt": now - periods.meetings}})
    enrolments = await db[ENROLMENTS].delete_many({"as_of": {"$lt": now - periods.meetings}})
    return {
        "deliveries_anonymised": deliveries.modified_count,
        "meetings_deleted": meetings.deleted_count,
        "enrolments_deleted": enrolments.deleted_count,
        **await purge_answered(db, now - periods.export_answers),
    }
