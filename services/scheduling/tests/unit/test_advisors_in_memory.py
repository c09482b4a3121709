"""The advisors' use cases on the in-memory repository (advisors.memory): an advisor added with
weekly hours, given an absence, refused bad hours, and a new feed link. No stack: the offices
are a dictionary, and the vault is a stand-in that hands the envelope back unsealed (sealing is
the vault's own test, on the stack)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

import pytest

from hoppid.scheduling.access import digest
from hoppid.scheduling.advisors import use_cases
from hoppid.scheduling.advisors.forms import AdvisorForm
from hoppid.scheduling.advisors.memory import MemoryAdvisorStore
from hoppid.scheduling.advisors.model import advisor_of
from hoppid.scheduling.context import Context
from hoppid.scheduling.model import RuleViolation
from hoppid.shared.access import Staff
from hoppid.shared.envelope import Envelope
from hoppid.shared.problems import NotFound

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ADMIN = Staff(key_id="k-admin", office_id="nordveggen", role="office_admin")
ADVISOR = Staff(key_id="k-advisor", office_id="nordveggen", role="advisor")
KARI = {
    "name": "Kari Nordmann",
    "email": "kari@nordveggen.example",
    "languages": ["nb", "en"],
    "topics": ["grants"],
    "weekly_hours": [
        {"weekday": 0, "start": "09:00", "end": "15:00", "place": "office"},
        {"weekday": 2, "start": "08:00", "end": "12:00", "place": "digital"},
    ],
}


class Offices:
    """The one office the use cases read (the service's store on the stack)."""

    claim_grace = timedelta(seconds=60)

    async def office(self, office_id: str) -> dict[str, Any] | None:
        return {"_id": office_id, "municipalities": ["1539"]} if office_id == "nordveggen" else None


class UnsealedVault:
    async def seal(self, envelope: Envelope, model: Any, person_id: str) -> Envelope:
        return envelope


@pytest.fixture
def ctx() -> Context:
    context = Context(
        store=cast(Any, Offices()),
        notify=lambda: None,
        public_url="http://scheduling.test",
        offer_count=5,
        offer_days=14,
        vault=cast(Any, UnsealedVault()),
        now=lambda: NOW,
    )
    context.advisor_store = MemoryAdvisorStore()
    return context


def memory(ctx: Context) -> MemoryAdvisorStore:
    return cast(MemoryAdvisorStore, ctx.advisor_store)


async def test_an_advisor_with_hours_then_an_absence(ctx: Context) -> None:
    added = await use_cases.add_advisor(ctx, ADMIN, "nordveggen", AdvisorForm.model_validate(KARI))
    token = added["feed_url"].rsplit("/", 1)[-1].removesuffix(".ics")
    stored = await ctx.advisor_store.advisor_by_feed(digest(token))
    assert stored is not None and stored["_id"] == added["_id"] and stored["active"] is True
    seen = advisor_of(stored)
    assert [(h.weekday, h.place) for h in seen.hours] == [(0, "office"), (2, "digital")]
    assert not seen.absent_on(date(2026, 7, 6))

    summer = {**KARI, "absences": [{"first_day": "2026-07-06", "last_day": "2026-07-31"}]}
    changed = await use_cases.change_advisor(
        ctx, ADMIN, "nordveggen", added["_id"], AdvisorForm.model_validate(summer)
    )
    assert changed["updated_at"] == NOW
    assert advisor_of(changed).absent_on(date(2026, 7, 6))
    assert not advisor_of(changed).absent_on(date(2026, 8, 3))
    assert [e.type for e in memory(ctx).events] == ["no.hoppid.scheduling.advisor.changed.v1"] * 2


async def test_bad_hours_and_absences_are_refused_naming_the_field(ctx: Context) -> None:
    late = {
        **KARI,
        "weekly_hours": [{"weekday": 1, "start": "15:00", "end": "09:00", "place": "office"}],
    }
    with pytest.raises(RuleViolation) as refused:
        await use_cases.add_advisor(ctx, ADMIN, "nordveggen", AdvisorForm.model_validate(late))
    assert refused.value.field == "weekly_hours"
    backwards = {**KARI, "absences": [{"first_day": "2026-07-31", "last_day": "2026-07-06"}]}
    with pytest.raises(RuleViolation) as refused:
        await use_cases.add_advisor(ctx, ADMIN, "nordveggen", AdvisorForm.model_validate(backwards))
    assert refused.value.field == "absences"
    assert await ctx.advisor_store.advisors("nordveggen") == []


async def test_only_the_office_admin_adds_and_changes_advisors(ctx: Context) -> None:
    form = AdvisorForm.model_validate(KARI)
    with pytest.raises(PermissionError):
        await use_cases.add_advisor(ctx, ADVISOR, "nordveggen", form)
    with pytest.raises(NotFound):
        await use_cases.change_advisor(ctx, ADMIN, "nordveggen", "nobody", form)
    assert memory(ctx).events == []


async def test_a_new_feed_link_replaces_the_old(ctx: Context) -> None:
    added = await use_cases.add_advisor(ctx, ADMIN, "nordveggen", AdvisorForm.model_validate(KARI))
    old = added["feed_url"].rsplit("/", 1)[-1].removesuffix(".ics")
    renewed = await use_cases.renew_feed(ctx, ADVISOR, "nordveggen", added["_id"])
    new = renewed["feed_url"].rsplit("/", 1)[-1].removesuffix(".ics")
    assert await ctx.advisor_store.advisor_by_feed(digest(old)) is None
    assert (await ctx.advisor_store.advisor_by_feed(digest(new)) or {})["_id"] == added["_id"]
    with pytest.raises(NotFound):
        await use_cases.renew_feed(ctx, ADVISOR, "nordveggen", "nobody")
