"""Whose ids a request names: a case or person must belong to the office it is used at.

Staff name a case and a person when they book a meeting, enrol someone or book a desk; a person
names their case when they enrol through their link. scheduling knows a case (its office and
its person) from intake's ``case.opened`` (the ``offers`` collection). The rule:

- a case scheduling knows must be of the office, and of the person named with it;
- a person scheduling knows cases of must have one at the office;
- a case or person scheduling has not seen yet is not refused: intake's event may be on its
  way (staff see a new case in intake a moment before scheduling hears of it).

Anything else is :class:`NotOurs`, a 404 naming the field: the same answer as an id nobody
has, so it never confirms that another office's case or person exists (docs/security.md).

A case never changes office or person, and a person's case at an office stays theirs, so what
was read once is remembered (bounded); what was not found is read again next time.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Protocol, TypeVar

from hoppid.shared.problems import NotFound

MEMORY = 100_000  # cases, and (person, office) pairs, remembered per process
K = TypeVar("K")
V = TypeVar("V")


class NotOurs(NotFound):
    """An id of the request that is not of this office (or not of this case): 404 naming it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class Owners(Protocol):
    async def case_owner(self, case_id: str) -> tuple[str, str] | None: ...

    async def offices_of_person(self, person_id: str) -> set[str]: ...


class KnownCases:
    """What this process has read of cases: case -> (office, person), and (person, office)."""

    def __init__(self, most: int = MEMORY) -> None:
        self._cases: OrderedDict[str, tuple[str, str]] = OrderedDict()
        self._people: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._most = most

    def remember(self, case_id: str, office_id: str, person_id: str) -> None:
        """A case as read elsewhere (the person's own offers): nothing to read again."""
        self._keep(self._cases, case_id, (office_id, person_id))
        self._keep(self._people, (person_id, office_id), None)

    def _keep(self, memory: OrderedDict[K, V], key: K, value: V) -> None:
        memory[key] = value
        memory.move_to_end(key)
        while len(memory) > self._most:  # the one read longest ago goes first
            memory.popitem(last=False)

    async def owner(self, store: Owners, case_id: str) -> tuple[str, str] | None:
        found = self._cases.get(case_id)
        if found is None:
            found = await store.case_owner(case_id)
            if found is not None:
                self.remember(case_id, *found)
        return found

    async def may_be_at(self, store: Owners, person_id: str, office_id: str) -> bool:
        """The person has a case at the office, or scheduling has seen no case of theirs."""
        if (person_id, office_id) in self._people:
            return True
        offices = await store.offices_of_person(person_id)
        for office in offices:
            self._keep(self._people, (person_id, office), None)
        return not offices or office_id in offices


async def check(
    known: KnownCases,
    store: Owners,
    office_id: str,
    case_id: str | None,
    person_id: str | None,
    by_person: bool = False,
) -> None:
    """Refuse (NotOurs) a case or person of another office. ``by_person``: the person acts
    through their own link, so a wrong case is theirs to fix (``case_id``) and an office
    without a case of theirs is the programme's (``programme_id``)."""
    if case_id is not None:
        owner = await known.owner(store, case_id)
        if owner is not None:
            if owner[0] != office_id:
                raise NotOurs("case_id", "no such case at this office")
            if person_id is not None and owner[1] != person_id:
                field = "case_id" if by_person else "person_id"
                raise NotOurs(field, "not the person of this case")
            return
    if person_id is not None and not await known.may_be_at(store, person_id, office_id):
        if by_person:
            raise NotOurs("programme_id", "not of an office you have a case at")
        raise NotOurs("person_id", "no case of this person at this office")
