"""The inquiries' repository in memory: the same methods and promises as ``IntakeStore``'s for
the public inquiry (a claim key taken once, its first claimant's case answered after; a case
inserted once; one person per email), for fast tests of ``submit_inquiry``. It stands on the
people's in-memory repository (itself on the cases') and the offices', since an inquiry writes
the person and the case and reads the office; what it adds is the claims.
tests/contract/test_inquiry_repository.py runs the same cases on both."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from hoppid.intake.cases.memory import MemoryCases
from hoppid.intake.inquiries.store import InquiryRepository
from hoppid.intake.offices.memory import MemoryOffices
from hoppid.intake.people.memory import MemoryPeople

Document = dict[str, Any]


class MemoryInquiries(MemoryPeople, MemoryOffices):
    def __init__(self) -> None:
        MemoryOffices.__init__(self)
        MemoryCases.__init__(self)  # after: the one list of events both write to
        self.claims: dict[str, Document] = {}  # by key, as the store's claims collection

    async def office_serving(self, municipality: str) -> Document | None:
        """From the offices as they are now (the store reads offices read recently)."""
        offices = await self.offices()
        return next((o for o in offices if municipality in o.get("municipalities", ())), None)

    async def claim(self, keys: Sequence[str], case_id: str, at: datetime) -> str:
        before = {key: str(self.claims[key]["case_id"]) for key in keys if key in self.claims}
        for key in keys:  # each key inserted on its own: a taken one stays as it is
            self.claims.setdefault(key, {"_id": key, "case_id": case_id, "at": at})
        earlier = [before[key] for key in keys if before.get(key, case_id) != case_id]
        if not earlier:
            return case_id
        for key in keys:  # the keys made now point to the earlier case
            if self.claims[key]["case_id"] == case_id:
                self.claims[key]["case_id"] = earlier[0]
        return earlier[0]

    async def case_by_id(self, case_id: str) -> Document | None:
        return copy.deepcopy(self.cases.get(case_id))

    async def has_cases(self, person_id: str) -> bool:
        return any(c.get("person_id") == person_id for c in self.cases.values())


def _keeps_to_the_protocol(store: MemoryInquiries) -> InquiryRepository:
    return store  # mypy: the memory repository has every method of the Protocol, typed alike
