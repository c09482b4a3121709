"""scheduling's retention pass: past meetings, programme places and desk bookings lose the ids
that tie them to a person (person and case) once they are past their period; what is left (an
office's meeting at a time with an advisor, a seat taken, a desk used) still counts. Times
offered to a case are deleted, and so is the record that a person's export was answered.
scheduling holds no name or address, so this is all it keeps of a person.
Periods: ``SchedulingSettings.retain_*``; what and why: docs/retention.md."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from hoppid.scheduling.desks.store import SEAT_BOOKINGS, DeskStore
from hoppid.scheduling.meetings.repository import MeetingRepository
from hoppid.scheduling.meetings.store import BOOKINGS, OFFERS
from hoppid.scheduling.programmes.store import PROGRAMMES, ProgrammeStore
from hoppid.scheduling.settings import SchedulingSettings
from hoppid.scheduling.store import SchedulingStore
from hoppid.shared.export_answers import purge_answered
from hoppid.shared.mongo import IndexSpec

Document = dict[str, Any]

INDEXES = [
    IndexSpec(BOOKINGS, ["start"]),  # past meetings
    IndexSpec(PROGRAMMES, ["first_start"]),  # past programmes
    IndexSpec(SEAT_BOOKINGS, ["day"]),  # past desk days
    IndexSpec(OFFERS, ["created_at"]),  # old offers
]


@dataclass(frozen=True)
class Periods:
    meetings: timedelta  # after a meeting's start
    programmes: timedelta  # after a programme's last session
    desks: timedelta  # after a desk day
    offers: timedelta  # after times were offered
    export_answers: timedelta  # after a person's export was answered


def periods(settings: SchedulingSettings) -> Periods:
    return Periods(
        meetings=timedelta(days=settings.retain_meeting_days),
        programmes=timedelta(days=settings.retain_programme_days),
        desks=timedelta(days=settings.retain_desk_booking_days),
        offers=timedelta(days=settings.retain_offer_days),
        export_answers=timedelta(days=settings.retain_export_answer_days),
    )


async def one_pass(
    db: AsyncDatabase[Document], periods: Periods, now: datetime
) -> Mapping[str, int]:
    # each feature's store does its part; these writes carry no events (no topic)
    meetings: MeetingRepository = SchedulingStore(db, topic="")
    desk_day = (now - periods.desks).date().isoformat()
    return {
        "meetings_anonymised": await meetings.anonymise_meetings_before(
            now - periods.meetings, now
        ),
        "programmes_anonymised": await ProgrammeStore(db, topic="").anonymise_ended_before(
            now - periods.programmes, now
        ),
        "desk_bookings_anonymised": await DeskStore(db, topic="").anonymise_days_before(
            desk_day, now
        ),
        "offers_deleted": await meetings.delete_offers_before(now - periods.offers),
        **await purge_answered(db, now - periods.export_answers),
    }
