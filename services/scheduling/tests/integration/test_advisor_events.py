"""advisor.changed goes into the advisor's outbox with the add or change that causes it, its
name and address sealed under the advisor's own vault key; reads never show the outbox.
Against the real store (the use case, without the broker: the outbox relay is the skeleton's)."""

from datetime import timedelta
from typing import Any

from scheduling_support import advisor_form

from hoppid.contracts import scheduling as ev
from hoppid.scheduling import context
from hoppid.scheduling.advisors.forms import AdvisorForm
from hoppid.scheduling.advisors.use_cases import add_advisor, change_advisor
from hoppid.scheduling.offices.use_cases import seed_offices
from hoppid.scheduling.store import INDEXES, SchedulingStore
from hoppid.shared.access import Staff
from hoppid.shared.envelope import Envelope
from hoppid.shared.mongo import apply_indexes
from hoppid.shared.tenancy import load_registry
from hoppid.shared.testing import vault_for_tests

ADMIN = Staff(key_id="k1", office_id="*", role="platform_admin")


async def test_advisor_added_and_changed_publish_sealed_contact(database: Any) -> None:
    await apply_indexes(database, INDEXES)
    vault = vault_for_tests(database)
    store = SchedulingStore(database, "t.hoppid.scheduling", timedelta(seconds=5))
    ctx = context.Context(
        store=store,
        notify=lambda: None,
        public_url="http://x",
        offer_count=3,
        offer_days=14,
        vault=vault,
    )
    await seed_offices(ctx, load_registry())
    office = next(iter(load_registry())).id
    added = await add_advisor(ctx, ADMIN, office, AdvisorForm.model_validate(advisor_form()))
    changed_form = advisor_form(email="ny.adresse@example.no", languages=["en", "nb"])
    await change_advisor(ctx, ADMIN, office, added["_id"], AdvisorForm.model_validate(changed_form))

    stored = await database["advisors"].find_one({"_id": added["_id"]})
    events = [Envelope.from_document(entry["event"]) for entry in stored["outbox"]]
    assert [e.type for e in events] == [ev.AdvisorChanged.event_type] * 2
    assert all(e.subject == added["_id"] for e in events)
    assert "ny.adresse" not in str(stored["outbox"])  # sealed on the way out
    opened = [await vault.unseal(e) for e in events]
    assert opened[1].data["email"] == "ny.adresse@example.no"
    assert opened[1].data["languages"] == ["en", "nb"]
    assert opened[0].data["name"] == advisor_form()["name"]
    read = await store.advisor(office, added["_id"])
    assert read is not None and "outbox" not in read
    await vault.destroy(added["_id"])
    assert (await vault.unseal(events[1])).data["email"] is None
