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

from hoppid.scheduling.desks.store import SEAT_BOOKINGS
from hoppid.scheduling.meetings.store import BOOKINGS, OFFERS
from hoppid.scheduling.programmes.store import PROGRAMMES
from hoppid.scheduling.settings import SchedulingSettings
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


ANONYMOUS = {"person_id": None, "case_id": None}


async def one_pass(
    db: AsyncDatabase[Document], periods: Periods, now: datetime
) -> Mapping[str, int]:
    meetings = await db[BOOKINGS].update_many(
        {"start": {"$lt": now - periods.meetings}, "person_id": {"$ne": None}},
        {"$set": {**ANONYMOUS, "anonymised_at": now}},
    )
    desk_day = (now - periods.desks).date().isoformat()
    desks = await db[SEAT_BOOKINGS].update_many(
        {"day": {"$lt": desk_day}, "person_id": {"$ne": None}},
        {"$set": {"person_id": None, "anonymised_at": now}},
    )
    offers = await db[OFFERS].delete_many({"created_at": {"$lt": now - periods.offers}})
    return {
        "meetings_anonymised": meetings.modified_count,
        "programmes_anonymised": await _programmes(db, now - periods.programmes, now),
        "desk_bookings_anonymised": desks.modified_count,
        "offers_deleted": offers.deleted_count,
        **await purge_answered(db, now - periods.export_answers),
    }


async def _programmes(db: AsyncDatabase[Document], before: datetime, now: datetime) -> int:
    """Programmes whose every session ended before ``before``: their places keep the number
    of participants, the municipality and the school, not who."""
    changed = 0
    found = db[PROGRAMMES].find(
        {"first_start": {"$lt": before}, "anonymised_at": None},
        {"sessions": 1, "seats": 1, "waiting": 1},
    )
    async for programme in found:
        if any(session["end"] >= before for session in programme["sessions"]):
            continue
        fields = {
            key: [{**entry, **ANONYMOUS} for entry in programme.get(key, [])]
            for key in ("seats", "waiting")
        }
        result = await db[PROGRAMMES].update_one(
            {"_id": programme["_id"]},
            {"$set": {**fields, "people": [], "anonymised_at": now}},
        )
        changed += result.modified_count
    return changed
