"""reporting's retention pass: once all of a person's cases are past the period intake keeps
them for, their pseudonymous records go and only the counts stay.

What goes, per case: its record (``v<N>_cases``: case id, office, months, steps, the person's
digest), the distinct-count claims its contributions hold, its ledger entries (the event ids
behind its contributions) and its contribution ids in the cells' applied marks, and its
``partner_cases`` document. Its time to the first meeting is folded into a record without ids
(office, municipality, month, days), so the waiting-time figures stay as they were; every other
figure is a sum in the cells, which are not touched. A case is dropped only with all the other
cases of its person (as intake erases a person only when all their cases are past), so the
person's claims go when none of their cases is left, and a later case of theirs cannot be
counted as a new person while one remains. The person's partner-sharing record goes with their
cases once they withdrew or were erased (the retraction needs the facts' ids until then).

A dropped case leaves a one-way digest of its id in ``v<N>_dropped``: its late events (a
redelivery, a change reporting never saw before the drop) change nothing, neither figures nor
records (projection.handlers._case_facts), so nothing is counted twice.

The rebuild runs the same pass at its end with the same clock, so a rebuilt version equals the
live one. Periods: ``ReportingSettings.retain_*`` (intake's defaults); what and why:
docs/retention.md and docs/reporting.md.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from hoppid.reporting.figures.waits import wait
from hoppid.reporting.model import Derived, digest
from hoppid.reporting.projection.cases import derive_case
from hoppid.reporting.projection.meetings import derive_meetings
from hoppid.reporting.projection.store import ProjectionStore
from hoppid.reporting.settings import ReportingSettings
from hoppid.reporting.store import PARTNER_CASES, PARTNER_PEOPLE, Document, Versions
from hoppid.shared.inbox import APPLIED

RESTING = frozenset({"closed", "company_registered"})
FOLDED = "w:"  # the _id prefix of a dropped case's waiting time in v<N>_cases


@dataclass(frozen=True)
class Periods:
    closed_case: timedelta  # after the last change of a closed (or registered) case
    inactive_case: timedelta  # after the last change of a case left open


def periods(settings: ReportingSettings) -> Periods:
    return Periods(
        closed_case=timedelta(days=settings.retain_closed_case_days),
        inactive_case=timedelta(days=settings.retain_inactive_case_days),
    )


def last_change(case: Mapping[str, Any]) -> tuple[datetime, bool]:
    """When the case last changed as reporting saw it (its opening, its status changes), and
    whether it rests (closed or company-registered, as its latest status change says, or a
    company registered)."""
    opened = case["opened"]
    changes = sorted(
        (change["at"], event, change.get("to"))
        for event, change in (case.get("changes") or {}).items()
    )
    last = max([opened["at"], *(at for at, _, _ in changes)])
    rests = bool(case.get("company")) or bool(changes and changes[-1][2] in RESTING)
    return last, rests


def past(case: Mapping[str, Any], periods: Periods, now: datetime) -> bool:
    """Whether a case is past its period at ``now`` (intake's rule, on what reporting saw).
    Never a case opened before reporting recorded status changes (no ``opened.tracked``): its
    last change is unknown until a rebuild records it (docs/retention.md)."""
    opened = case.get("opened") or {}
    if not opened.get("tracked") or "at" not in opened:
        return False
    last, rests = last_change(case)
    return last + (periods.closed_case if rests else periods.inactive_case) <= now


async def one_pass(
    database: AsyncDatabase[Document], periods: Periods, now: datetime, version: int | None = None
) -> Mapping[str, int]:
    """Drop the records of the people all of whose cases are past their period, in ``version``
    (the active one unless given: the rebuild passes the one it built)."""
    if version is None:
        version = (await Versions(database).state()).active
    store = ProjectionStore(database, version)
    oldest = now - min(periods.closed_case, periods.inactive_case)
    people: list[str] = []
    async for case in store.cases.find({"opened.at": {"$lt": oldest}}, {"opened.person": 1}):
        person = case["opened"].get("person")
        if person and person not in people:
            people.append(person)
    dropped = people_dropped = 0
    for person in people:
        cases = [case async for case in store.cases.find({"opened.person": person})]
        if not cases or not all(past(case, periods, now) for case in cases):
            continue
        for case in cases:
            await drop_case(store, case)
            dropped += 1
        people_dropped += 1
        await _forget_partner_person(database, person, now)
    swept = await _sweep_partner_people(database)
    return {
        "cases_dropped": dropped,
        "people_dropped": people_dropped,
        "partner_people_deleted": swept,
    }


async def drop_case(store: ProjectionStore, case: Document) -> None:
    """Drop one case's records, keeping its figures. Idempotent, and in an order that a pass
    stopped halfway finishes the next day: the case's record, which finds it, goes last."""
    case_id = case["_id"]
    tombstone = digest("case", case_id)
    found = wait(case)
    if found is not None:
        opened = case["opened"]
        folded = {
            "opened": {name: opened[name] for name in ("office", "municipality", "month", "year")},
            "meetings": {"folded": True},  # what the waiting-time query selects on
            "wait_days": found[0],
        }
        await store.cases.replace_one({"_id": FOLDED + tombstone}, folded, upsert=True)
    with contextlib.suppress(DuplicateKeyError):
        await store.dropped.insert_one({"_id": tombstone})
    derived: list[Derived] = [*derive_case(case_id, case), *derive_meetings(case)]
    ids = sorted({*case.get("done", []), *(item.id for item in derived)})
    for cell in sorted({item.cell.id for item in derived}):
        await store.cells.update_one({"_id": cell}, {"$pullAll": {APPLIED: ids}})
    for contribution in ids:
        await store.ledger.delete_one({"_id": contribution})
        await store.claims.delete_many({"owner": contribution})
    await store.db[PARTNER_CASES].delete_one({"_id": case_id})
    await store.cases.delete_one({"_id": case_id})


async def _forget_partner_person(
    database: AsyncDatabase[Document], person: str, at: datetime
) -> None:
    """The person's partner-sharing record: gone if they withdrew (the facts are retracted);
    else marked, and gone once intake's erasure (or a withdrawal) arrives (the sweep)."""
    people = database[PARTNER_PEOPLE]
    await people.delete_one({"_id": person, "withdrawn_at": {"$ne": None}})
    await people.update_one({"_id": person}, {"$set": {"cases_dropped_at": at}})


async def _sweep_partner_people(database: AsyncDatabase[Document]) -> int:
    """Delete the records of people whose cases went and who have withdrawn since."""
    people = database[PARTNER_PEOPLE]
    result = await people.delete_many(
        {"cases_dropped_at": {"$exists": True}, "withdrawn_at": {"$ne": None}}
    )
    return result.deleted_count
