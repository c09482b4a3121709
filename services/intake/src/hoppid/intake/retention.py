"""intake's retention pass: people whose cases are all past their period are erased, by the
erasure a person can ask for (``request_erasure``: the vault key destroyed, the cases scrubbed
to what the counts need, ``erasure.requested`` for every other service), and submission claims
are deleted once no retry or duplicate can need them. Periods: ``IntakeSettings.retain_*``;
what and why: docs/retention.md."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from hoppid.intake.audit import trail
from hoppid.intake.context import Context, Document
from hoppid.intake.people.use_cases import request_erasure, scrub_case
from hoppid.intake.settings import IntakeSettings

RESTING = frozenset({"closed", "company_registered"})


@dataclass(frozen=True)
class Periods:
    closed_case: timedelta  # after the last change of a closed (or registered) case
    inactive_case: timedelta  # after the last change of a case left open
    claims: timedelta  # a submission's idempotency and duplicate claims


def periods(settings: IntakeSettings) -> Periods:
    return Periods(
        closed_case=timedelta(days=settings.retain_closed_case_days),
        inactive_case=timedelta(days=settings.retain_inactive_case_days),
        claims=timedelta(days=settings.retain_claims_days),
    )


def past(case: Document, periods: Periods, now: datetime) -> bool:
    """Whether a case is past its period at ``now``."""
    period = periods.closed_case if case["status"] in RESTING else periods.inactive_case
    return bool(case["updated_at"] + period <= now)


async def one_pass(ctx: Context, periods: Periods, now: datetime) -> Mapping[str, int]:
    """Erase the people all of whose cases are past their period; delete old claims."""
    oldest = now - min(periods.closed_case, periods.inactive_case)
    seen: set[str] = set()
    erased = 0
    for case in await ctx.store.cases_changed_before(oldest):
        person_id = case["person_id"]
        if person_id in seen:
            continue
        seen.add(person_id)
        cases = await ctx.store.cases_of_person(person_id)
        person = await ctx.store.person(person_id)
        if person is not None and person.get("erased_at"):  # erased before cases were marked
            for erased_case in cases:
                await scrub_case(ctx, erased_case)
        elif all(past(c, periods, now) for c in cases):
            await request_erasure(ctx, person_id, by=trail.RETENTION)
            erased += 1
    claims = await ctx.store.delete_claims_before(now - periods.claims)
    return {"people_erased": erased, "claims_deleted": claims}
