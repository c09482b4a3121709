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

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from hoppid.reporting.figures.waits import wait
from hoppid.reporting.model import Derived
from hoppid.reporting.projection.cases import derive_case
from hoppid.reporting.projection.meetings import derive_meetings
from hoppid.reporting.projection.store import Dropping, ProjectionStore
from hoppid.reporting.settings import ReportingSettings
from hoppid.reporting.store import (
    Document,
    PartnerCaseRepository,
    PartnerCases,
    PartnerPeople,
    PartnerPeopleRepository,
    Versions,
)

RESTING = frozenset({"closed", "company_registered"})


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
    partner_cases: PartnerCaseRepository = PartnerCases(database)
    partner_people: PartnerPeopleRepository = PartnerPeople(database)
    oldest = now - min(periods.closed_case, periods.inactive_case)
    dropped = people_dropped = 0
    for person in await store.people_opened_before(oldest):
        cases = await store.cases_of_person(person)
        if not cases or not all(past(case, periods, now) for case in cases):
            continue
        for case in cases:
            await drop_case(store, partner_cases, case)
            dropped += 1
        people_dropped += 1
        await partner_people.cases_dropped(person, now)
    swept = await partner_people.sweep_dropped()
    return {
        "cases_dropped": dropped,
        "people_dropped": people_dropped,
        "partner_people_deleted": swept,
    }


async def drop_case(store: Dropping, partner_cases: PartnerCaseRepository, case: Document) -> None:
    """Drop one case's records, keeping its figures. Idempotent, and in an order that a pass
    stopped halfway finishes the next day: the tombstone before the partner case (a late event
    then records nothing again), and the case's record, which finds it, last."""
    case_id = case["_id"]
    found = wait(case)
    if found is not None:
        await store.keep_wait(case_id, case["opened"], found[0])
    await store.mark_dropped(case_id)
    derived: list[Derived] = [*derive_case(case_id, case), *derive_meetings(case)]
    ids = sorted({*case.get("done", []), *(item.id for item in derived)})
    for cell in sorted({item.cell.id for item in derived}):
        await store.unapply(cell, ids)
    for contribution in ids:
        await store.forget_contribution(contribution)
    await partner_cases.forget(case_id)
    await store.delete_case(case_id)
