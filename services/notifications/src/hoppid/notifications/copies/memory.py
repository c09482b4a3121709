"""The copies' repository in memory (:class:`hoppid.notifications.copies.store.Copies`), for
fast unit tests of reactions and delivery: the same documents as the MongoDB store keeps, and
the same rules (the newest event wins, an erased person's tombstone stays), checked against it
by tests/unit/test_repository_contract.py."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from hoppid.notifications.copies.store import (
    ADVISORS,
    BOOKINGS,
    CASES,
    ENROLMENTS,
    NO_COPY,
    OFFICES,
    PEOPLE,
    next_version,
)

Document = dict[str, Any]


class MemoryCopies:
    def __init__(self) -> None:
        self.collections: dict[str, dict[str, Document]] = {}

    def _of(self, collection: str) -> dict[str, Document]:
        return self.collections.setdefault(collection, {})

    def _one(self, collection: str, document_id: str) -> Document | None:
        return copy.deepcopy(self._of(collection).get(document_id))

    def _all(
        self, collection: str, wanted: Callable[[Document], bool], sort: str = "_id"
    ) -> list[Document]:
        found = [copy.deepcopy(d) for d in self._of(collection).values() if wanted(d)]
        return sorted(found, key=lambda d: d[sort])

    async def office(self, office_id: str) -> Document | None:
        return self._one(OFFICES, office_id)

    async def recent_office(self, office_id: str) -> Document | None:
        return self._one(OFFICES, office_id)

    async def person(self, person_id: str) -> Document | None:
        return self._one(PEOPLE, person_id)

    async def save_if_newer(self, collection: str, document: Document, at: datetime) -> bool:
        at = as_stored(at)
        kept = self._of(collection).get(document["_id"])
        if kept is not None and kept["as_of"] > at:
            return False  # a newer copy is kept (a tie goes to the event applied last)
        fields = copy.deepcopy({k: v for k, v in document.items() if k != "_id"})
        self._of(collection).setdefault(document["_id"], {"_id": document["_id"]})
        self._of(collection)[document["_id"]].update(fields, as_of=at)
        return True

    async def save_beside_copy(
        self, person_id: str, fields: Document, stamp: str, at: datetime
    ) -> bool:
        at = as_stored(at)
        kept = self._of(PEOPLE).get(person_id)
        if kept is None:  # no copy yet: the inquiry's is saved beside these later
            self._of(PEOPLE)[person_id] = {"_id": person_id, "as_of": NO_COPY}
            self._of(PEOPLE)[person_id].update(copy.deepcopy(fields))
            return True
        stamped = kept.get(stamp)
        if kept.get("erased_at") is not None or (stamped is not None and stamped >= at):
            return False  # erased, or a newer (or the same) one of the kind is kept
        kept.update(copy.deepcopy(fields))
        return True

    async def person_erased(self, person_id: str | None) -> bool:
        kept = self._of(PEOPLE).get(person_id or "")
        return kept is not None and kept.get("erased_at") is not None

    async def forget_person(self, person_id: str, at: datetime) -> None:
        at = as_stored(at)
        self._of(PEOPLE)[person_id] = {"_id": person_id, "as_of": at, "erased_at": at}

    async def advisor(self, advisor_id: str) -> Document | None:
        return self._one(ADVISORS, advisor_id)

    async def active_advisors(self) -> list[Document]:
        return self._all(ADVISORS, lambda d: d.get("active") is True)

    async def seated_enrolments(self, programme_id: str) -> list[Document]:
        return await self._enrolments(programme_id, ("seated",))

    async def holding_enrolments(self, programme_id: str) -> list[Document]:
        return await self._enrolments(programme_id, ("seated", "waiting"))

    async def _enrolments(self, programme_id: str, statuses: tuple[str, ...]) -> list[Document]:
        def wanted(d: Document) -> bool:
            return d.get("programme_id") == programme_id and d.get("status") in statuses

        return self._all(ENROLMENTS, wanted)

    async def meetings_of_advisor(
        self, advisor_id: str, start: datetime, end: datetime
    ) -> list[Document]:
        def wanted(d: Document) -> bool:
            starts = d.get("start")
            within = isinstance(starts, datetime) and start <= starts < end
            return d.get("advisor_id") == advisor_id and within and d.get("cancelled") is not True

        return self._all(BOOKINGS, wanted, sort="start")

    async def open_cases(self, office_id: str, limit: int) -> list[Document]:
        return self._all(CASES, _open_in(office_id), sort="as_of")[:limit]

    async def count_open_cases(self, office_id: str) -> int:
        return len(self._all(CASES, _open_in(office_id)))

    async def case_references(self, case_ids: Sequence[str | None]) -> dict[str, str]:
        wanted = set(case_ids)
        found = self._all(CASES, lambda d: d["_id"] in wanted)
        return {case["_id"]: case["reference"] for case in found if case.get("reference")}

    async def booking(self, booking_id: str) -> Document | None:
        return self._one(BOOKINGS, booking_id)

    async def booking_version(
        self,
        booking_id: str,
        event_id: str,
        changes: Mapping[str, Any],
        sequence: int | None = None,
    ) -> Document:
        existing = self._one(BOOKINGS, booking_id)
        document, is_new = next_version(existing, booking_id, event_id, changes, sequence)
        if is_new:
            self._of(BOOKINGS)[booking_id] = copy.deepcopy(document)
        return document

    async def delete_meetings_before(self, before: datetime) -> int:
        return self._delete(BOOKINGS, "start", before)

    async def delete_enrolments_before(self, before: datetime) -> int:
        return self._delete(ENROLMENTS, "as_of", before)

    def _delete(self, collection: str, field: str, before: datetime) -> int:
        """Delete the documents whose ``field`` is a time before ``before`` (``$lt``: a
        document without it stays); how many."""
        documents = self._of(collection)
        old = [key for key, d in documents.items() if _before(d.get(field), before)]
        for key in old:
            del documents[key]
        return len(old)


def _before(value: Any, before: datetime) -> bool:
    return isinstance(value, datetime) and value < before


def _open_in(office_id: str) -> Callable[[Document], bool]:
    return lambda d: d.get("office_id") == office_id and d.get("status") != "closed"


def as_stored(at: datetime) -> datetime:
    """The time as the store keeps and compares it: to the millisecond (BSON dates)."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)
