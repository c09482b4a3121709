"""The programmes' use cases on the in-memory repository (programmes.memory): a course made,
its one seat taken, the next person waitlisted, a cancellation promoting them, and a person
not enrolled twice. No stack: the offices are a dictionary, the clock a fixed moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from hoppid.scheduling.context import Context
from hoppid.scheduling.programmes import use_cases as programmes
from hoppid.scheduling.programmes.forms import EnrolForm, ProgrammeForm
from hoppid.scheduling.programmes.memory import MemoryProgrammeStore
from hoppid.shared.access import Staff
from hoppid.shared.problems import Conflict, NotFound

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ADVISOR = Staff(key_id="k-advisor", office_id="nordveggen", role="advisor")
COURSE = {
    "kind": "course",
    "title": "Budsjett og likviditet",
    "capacity": 1,
    "sessions": [{"start": "2026-03-10T17:00:00+01:00", "end": "2026-03-10T19:00:00+01:00"}],
}


class Offices:
    """What the use cases read of the offices and cases (the service's store on the stack)."""

    claim_grace = timedelta(seconds=60)

    async def office(self, office_id: str) -> dict[str, Any] | None:
        return {"_id": office_id, "municipalities": ["1539"]} if office_id == "nordveggen" else None

    async def case_owner(self, case_id: str) -> tuple[str, str] | None:
        return None

    async def offices_of_person(self, person_id: str) -> set[str]:
        return set()

    async def case_municipality(self, case_id: str | None, person_id: str) -> str | None:
        return None


@pytest.fixture
def groups() -> programmes.Programmes:
    ctx = Context(
        store=cast(Any, Offices()),
        notify=lambda: None,
        public_url="http://scheduling.test",
        offer_count=5,
        offer_days=14,
        vault=cast(Any, None),  # programmes seal nothing
        now=lambda: NOW,
    )
    return programmes.Programmes(ctx, MemoryProgrammeStore())


async def test_a_full_course_waitlists_and_a_cancellation_promotes(
    groups: programmes.Programmes,
) -> None:
    course = await programmes.create(
        groups, ADVISOR, "nordveggen", ProgrammeForm.model_validate(COURSE)
    )
    assert course["first_start"] == datetime(2026, 3, 10, 16, 0, tzinfo=UTC)
    first = await programmes.enrol(
        groups, ADVISOR, "nordveggen", course["_id"], EnrolForm(person_id="p1")
    )
    second = await programmes.enrol(
        groups, ADVISOR, "nordveggen", course["_id"], EnrolForm(person_id="p2")
    )
    assert (first["status"], second["status"]) == ("enrolled", "waitlisted")
    with pytest.raises(Conflict):
        await programmes.enrol(
            groups, ADVISOR, "nordveggen", course["_id"], EnrolForm(person_id="p1")
        )

    cancelled = await programmes.cancel(
        groups, ADVISOR, "nordveggen", course["_id"], first["enrolment_id"]
    )
    assert cancelled["promoted"] == [second["enrolment_id"]]
    after = await groups.store.programme(course["_id"])
    assert after is not None
    assert [e["person_id"] for e in after["seats"]] == ["p2"] and after["waiting"] == []
    assert after["taken"] == 1 and after["people"] == ["p2"]
    assert [p["_id"] for p in await groups.store.of_person("p2")] == [course["_id"]]
    kinds = [e.type.split(".")[-2] for e in cast(MemoryProgrammeStore, groups.store).events]
    assert kinds == ["enrolled", "waitlisted", "enrolment_cancelled", "promoted"]


async def test_a_programme_of_another_office_is_not_found(groups: programmes.Programmes) -> None:
    course = await programmes.create(
        groups, ADVISOR, "nordveggen", ProgrammeForm.model_validate(COURSE)
    )
    molde = Staff(key_id="k-molde", office_id="molde", role="advisor")
    with pytest.raises(NotFound):
        await programmes.enrol(groups, molde, "molde", course["_id"], EnrolForm(person_id="p1"))
