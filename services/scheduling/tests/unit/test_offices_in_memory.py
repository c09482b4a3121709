"""The offices' use cases and intake's office events on the in-memory repository
(offices.memory): the packaged offices seeded without overwriting what intake said, an office
learned once per event, settings saved by the office's admin only (a bad one refused naming the
field), and a new feed link ending the old. No stack: the busy times are a stand-in that notes
which offices it was asked to reconcile (their own tests run on the stack)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from hoppid.contracts import intake as intake_events
from hoppid.scheduling.access import digest
from hoppid.scheduling.context import Context, office_for
from hoppid.scheduling.model import RuleViolation
from hoppid.scheduling.offices import handlers, use_cases
from hoppid.scheduling.offices.forms import OfficeSettings
from hoppid.scheduling.offices.memory import MemoryOffices
from hoppid.shared.access import Staff
from hoppid.shared.problems import NotFound
from hoppid.shared.tenancy import Office, OfficeRegistry, load_municipalities

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ADMIN = Staff(key_id="k-admin", office_id="nordveggen", role="office_admin")
ADVISOR = Staff(key_id="k-advisor", office_id="nordveggen", role="advisor")
PLATFORM = Staff(key_id="k-platform", office_id="*", role="platform_admin")


def registry() -> OfficeRegistry:
    offices = [
        Office(
            id="nordveggen",
            name="Nordveggen",
            municipalities=("1539",),
            languages=("nb", "en"),
            contact_email="hoppid@nordveggen.example",
        ),
        Office(
            id="molde",
            name="Molde",
            municipalities=("1506",),
            contact_email="hoppid@molde.example",
        ),
    ]
    return OfficeRegistry(load_municipalities(), offices)


class NoMeetings:
    """What the context builds its busy times from; these tests book nothing."""

    claim_grace = timedelta(seconds=60)


class ReconciledBusyTimes:
    def __init__(self) -> None:
        self.reconciled: list[tuple[str, datetime]] = []

    async def reconcile(self, office_id: str, now: datetime) -> None:
        self.reconciled.append((office_id, now))


@pytest.fixture
def ctx() -> Context:
    context = Context(
        store=cast(Any, NoMeetings()),
        notify=lambda: None,
        public_url="http://scheduling.test",
        offer_count=5,
        offer_days=14,
        vault=cast(Any, None),  # offices seal nothing
        now=lambda: NOW,
    )
    context.office_store = MemoryOffices()
    context.busy = cast(Any, ReconciledBusyTimes())
    return context


def office_changed(name: str) -> intake_events.OfficeChanged:
    return intake_events.OfficeChanged(
        office_id="nordveggen",
        name=name,
        municipalities=["1539", "1507"],
        languages=["nb"],
        contact_email="post@nordveggen.example",
        yearly_budget_eur=0,
        changed_at=NOW,
    )


async def test_seeding_keeps_what_intake_said_and_reconciles_busy_times(ctx: Context) -> None:
    changed = office_changed("Nordveggen næring")
    await handlers.learn_office(ctx, changed, changed.to_envelope(source="t", subject="x"))
    await use_cases.seed_offices(ctx, registry())
    stored = {o["_id"]: o for o in await ctx.office_store.offices()}
    assert stored["molde"] == {
        "_id": "molde",
        "name": "Molde",
        "municipalities": ["1506"],
        "languages": ["nb"],
        "contact_email": "hoppid@molde.example",
    }
    assert stored["nordveggen"]["name"] == "Nordveggen næring"  # intake's, not the packaged one
    busy = cast(ReconciledBusyTimes, ctx.busy)
    assert busy.reconciled == [("molde", NOW), ("nordveggen", NOW)]


async def test_an_office_event_is_learned_once(ctx: Context) -> None:
    await use_cases.seed_offices(ctx, registry())
    assert (await office_for(ctx, ADVISOR, "nordveggen"))["name"] == "Nordveggen"
    changed = office_changed("Nordveggen næring")
    envelope = changed.to_envelope(source="t", subject="nordveggen")
    await handlers.learn_office(ctx, changed, envelope)
    # the office read a moment ago is forgotten: the next call reads what intake said
    office = await office_for(ctx, ADVISOR, "nordveggen")
    assert (office["name"], office["municipalities"]) == ("Nordveggen næring", ["1539", "1507"])
    redelivered = office_changed("Not again")
    await handlers.learn_office(ctx, redelivered, envelope)  # the same event id
    assert (await office_for(ctx, ADVISOR, "nordveggen", fresh=True))["name"] == "Nordveggen næring"


async def test_the_admin_saves_settings_and_bad_ones_name_their_field(ctx: Context) -> None:
    await use_cases.seed_offices(ctx, registry())
    await office_for(ctx, ADVISOR, "nordveggen")  # read, and kept for a few seconds
    settings = OfficeSettings.model_validate({"buffer_minutes": 30, "closed_days": ["2026-05-18"]})
    saved = await use_cases.save_office_settings(ctx, ADMIN, "nordveggen", settings)
    assert saved["settings"]["buffer_minutes"] == 30
    assert (await office_for(ctx, ADVISOR, "nordveggen"))["settings"] == saved["settings"]

    uneven = OfficeSettings.model_validate({"first_guidance_minutes": 50})
    with pytest.raises(RuleViolation) as refused:
        await use_cases.save_office_settings(ctx, ADMIN, "nordveggen", uneven)
    assert refused.value.field == "first_guidance_minutes"
    backwards = OfficeSettings.model_validate(
        {"opening_hours": [{"weekday": 0, "opens": "16:00", "closes": "08:00"}]}
    )
    with pytest.raises(RuleViolation) as refused:
        await use_cases.save_office_settings(ctx, ADMIN, "nordveggen", backwards)
    assert refused.value.field == "opening_hours"
    assert (await ctx.office_store.office("nordveggen") or {})["settings"] == saved["settings"]


async def test_only_an_admin_of_a_known_office_changes_its_settings(ctx: Context) -> None:
    await use_cases.seed_offices(ctx, registry())
    with pytest.raises(PermissionError):
        await use_cases.save_office_settings(ctx, ADVISOR, "nordveggen", OfficeSettings())
    with pytest.raises(PermissionError):
        await use_cases.save_office_settings(ctx, ADMIN, "molde", OfficeSettings())
    with pytest.raises(NotFound):
        await use_cases.save_office_settings(ctx, PLATFORM, "kristiansund", OfficeSettings())
    assert all("settings" not in o for o in await ctx.office_store.offices())


async def test_a_new_feed_link_ends_the_old(ctx: Context) -> None:
    await use_cases.seed_offices(ctx, registry())
    first = await use_cases.renew_office_feed(ctx, ADMIN, "nordveggen")
    old = first["feed_url"].rsplit("/", 1)[-1].removesuffix(".ics")
    assert first["feed_url"].startswith("http://scheduling.test/v1/calendars/")
    assert (await ctx.office_store.office_by_feed(digest(old)) or {})["_id"] == "nordveggen"
    second = await use_cases.renew_office_feed(ctx, ADMIN, "nordveggen")
    new = second["feed_url"].rsplit("/", 1)[-1].removesuffix(".ics")
    assert await ctx.office_store.office_by_feed(digest(old)) is None
    assert (await ctx.office_store.office_by_feed(digest(new)) or {})["_id"] == "nordveggen"
    with pytest.raises(PermissionError):
        await use_cases.renew_office_feed(ctx, ADVISOR, "nordveggen")
    with pytest.raises(NotFound):
        await use_cases.renew_office_feed(ctx, PLATFORM, "kristiansund")
