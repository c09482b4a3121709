"""intake's MongoDB persistence: offices, API keys, people, cases, submission claims.

Every change that causes events writes them into the changed document's outbox in the same
single-document update (see hoppid.shared.outbox). Cases are always read and written with the
caller's office in the filter, so one office can never see or change another's case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from hoppid.intake.cases.store import CaseChange
from hoppid.shared.cache import TtlCache
from hoppid.shared.envelope import Envelope
from hoppid.shared.mongo import IndexSpec
from hoppid.shared.outbox import (
    HIDE_OUTBOX,
    change_with_outbox,
    outbox_fields,
    outbox_indexes,
    with_outbox,
)

Document = dict[str, Any]

OFFICES, KEYS, PEOPLE, CASES, CLAIMS = "offices", "api_keys", "people", "cases", "claims"
# requests for a new link by email, each kept until it is handled (seconds, usually)
LINK_REQUESTS = "link_requests"
OUTBOX_COLLECTIONS = (OFFICES, PEOPLE, CASES, KEYS)
# how long an inquiry may use offices read earlier: a change made through this process is seen at
# once, one made through another instance of intake within this time
OFFICES_TTL_SECONDS = 10.0
DUPLICATE_KEY = 11000
# the case list walks back month by month to here at most: no case is older than the platform
FIRST_MONTH = datetime(2020, 1, 1, tzinfo=UTC)
# months read at once by the case list at most (the first round reads one, then 2, 4, ...)
LIST_MONTHS_AT_ONCE = 32
STORE_STATE = "store_state"  # one-time passes over old documents, once done


def month_of(at: datetime) -> str:
    """The month (UTC) a case was created in, as stored in ``created_month``: "2026-11"."""
    at = at.astimezone(UTC) if at.tzinfo else at
    return f"{at.year:04d}-{at.month:02d}"


def _next_width(width: int, got: int, need: int) -> int:
    """How many months the next round reads at once: as many as the last round's density
    says the rest of the page needs, twice as many after an empty round."""
    if got == 0:
        return min(width * 2, LIST_MONTHS_AT_ONCE)
    return max(1, min(LIST_MONTHS_AT_ONCE, -(-need * width // got)))


def months_back(newest: datetime, oldest: datetime) -> list[str]:
    """The months from ``newest``'s back to ``oldest``'s, newest first."""
    year, month = int(month_of(newest)[:4]), int(month_of(newest)[5:])
    last = max(month_of(oldest), month_of(FIRST_MONTH))
    months: list[str] = []
    while (label := f"{year:04d}-{month:02d}") >= last:
        months.append(label)
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


INDEXES = [
    IndexSpec(PEOPLE, ["email"], unique=True, name="one_person_per_email"),
    IndexSpec(CASES, ["reference"], unique=True, name="unique_reference"),
    IndexSpec(CASES, ["office_id", "created_at"]),
    IndexSpec(CASES, ["office_id", "status"]),
    # the staff case list, a month at a time (find_cases)
    IndexSpec(CASES, ["office_id", "created_month", "created_at"]),
    IndexSpec(CASES, ["person_id"]),
    # the staff's search: one keyed hash of an email, a phone or a name's beginning (search.py)
    IndexSpec(CASES, ["office_id", "search_keys"]),
    IndexSpec(CASES, ["erased_at", "updated_at"]),  # the retention pass (cases_changed_before)
    IndexSpec(CLAIMS, ["at"]),  # the retention pass (delete_claims_before)
    IndexSpec(KEYS, ["office_id"]),
    IndexSpec(LINK_REQUESTS, ["taken_at", "requested_at"]),
    *outbox_indexes(OUTBOX_COLLECTIONS),
]


class IntakeStore:
    def __init__(
        self,
        database: AsyncDatabase[Document],
        topic: str,
        offices_ttl_seconds: float = OFFICES_TTL_SECONDS,
    ) -> None:
        self.db = database
        self.topic = topic
        # the public form's look-ups (which office serves a municipality, the answer's office)
        self._recent_offices: TtlCache[str, list[Document]] = TtlCache(offices_ttl_seconds)

    # --- offices -------------------------------------------------------------------------
    async def seed_office(self, office: Document) -> None:
        """Insert an office from the packaged data unless it exists (admins may have changed it)."""
        await self.db[OFFICES].update_one(
            {"_id": office["_id"]}, {"$setOnInsert": office}, upsert=True
        )
        self._recent_offices.forget()

    async def office(self, office_id: str) -> Document | None:
        return await self.db[OFFICES].find_one({"_id": office_id}, HIDE_OUTBOX)

    async def offices(self) -> list[Document]:
        cursor = self.db[OFFICES].find({}, HIDE_OUTBOX).sort("_id", ASCENDING)
        return [office async for office in cursor]

    async def recent_offices(self) -> list[Document]:
        """All offices, as read from the store at most ``offices_ttl_seconds`` ago (a handful
        of documents: one read serves every inquiry meanwhile)."""
        return await self._recent_offices.get(OFFICES, self.offices)

    async def recent_office(self, office_id: str) -> Document | None:
        return next((o for o in await self.recent_offices() if o["_id"] == office_id), None)

    async def office_serving(self, municipality: str) -> Document | None:
        """The office for a municipality, from the recently read offices."""
        offices = await self.recent_offices()
        return next((o for o in offices if municipality in o.get("municipalities", ())), None)

    async def save_office(self, office: Document, events: Iterable[Envelope]) -> None:
        fields = {k: v for k, v in office.items() if k != "_id"}
        await self.db[OFFICES].update_one(
            {"_id": office["_id"]},
            with_outbox({"$set": fields}, self.topic, events),
            upsert=True,
        )
        self._recent_offices.forget()

    # --- API keys (the key ring reads the same collection: hoppid.shared.access) --------------
    async def add_key(self, key: Document, events: Iterable[Envelope]) -> None:
        await self.db[KEYS].insert_one({**key, **outbox_fields(self.topic, events)})

    async def revoke_key(
        self, office_id: str, key_id: str, at: datetime, events: Iterable[Envelope]
    ) -> bool:
        result = await self.db[KEYS].update_one(
            {"_id": key_id, "office_id": office_id, "revoked_at": None},
            with_outbox({"$set": {"revoked_at": at}}, self.topic, events),
        )
        return result.modified_count == 1

    # --- submission claims: one case per idempotency key / per duplicate fingerprint --------
    async def claim(self, keys: Sequence[str], case_id: str, at: datetime) -> str:
        """The case id these keys stand for: ``case_id`` if no key names another case, else the
        case of the first key (in order) claimed before, to which the keys made now are pointed.

        All keys are inserted in one round-trip (unordered: each insert stands on its own)."""
        documents = [{"_id": key, "case_id": case_id, "at": at} for key in keys]
        try:
            await self.db[CLAIMS].insert_many(documents, ordered=False)
            return case_id
        except BulkWriteError as error:
            errors = error.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            taken = [keys[i] for i in sorted({int(e["index"]) for e in errors})]
        # a key can be "taken" by this very insert, retried by the driver: it names case_id
        cursor = self.db[CLAIMS].find({"_id": {"$in": taken}})
        named = {str(claim["_id"]): str(claim["case_id"]) async for claim in cursor}
        earlier = [named[key] for key in taken if named.get(key, case_id) != case_id]
        if not earlier:
            return case_id
        claimed = earlier[0]
        ours = [key for key in keys if named.get(key, case_id) == case_id]
        if ours:
            await self.db[CLAIMS].update_many(
                {"_id": {"$in": ours}}, {"$set": {"case_id": claimed}}
            )
        return claimed

    # --- people --------------------------------------------------------------------------
    async def person_by_email(self, email: str) -> Document | None:
        return await self.db[PEOPLE].find_one({"email": email})

    async def person(self, person_id: str) -> Document | None:
        return await self.db[PEOPLE].find_one({"_id": person_id}, HIDE_OUTBOX)

    async def insert_person(self, person: Document) -> bool:
        """Insert a new person; False if one with the same email (or this ``_id``: the same
        insert, retried by the driver) exists already."""
        try:
            await self.db[PEOPLE].insert_one(person)
            return True
        except DuplicateKeyError:
            return False

    async def update_person(
        self,
        person_id: str,
        update: Mapping[str, Any],
        events: Iterable[Envelope] = (),
        expect: Mapping[str, Any] | None = None,
    ) -> Document | None:
        """Change the person with their events; None if they do not exist or (with ``expect``)
        no longer hold the values expected."""
        selector = {**(expect or {}), "_id": person_id}
        return await change_with_outbox(self.db[PEOPLE], selector, update, self.topic, events)

    async def set_person(
        self,
        person_id: str,
        fields: Mapping[str, Any],
        events: Iterable[Envelope] = (),
        expect: Mapping[str, Any] | None = None,
    ) -> Document | None:
        """The person's ``fields`` given their new values, with the events (as update_person)."""
        return await self.update_person(person_id, {"$set": dict(fields)}, events, expect)

    async def withdraw_consent(
        self, person_id: str, consent: str, events: Iterable[Envelope]
    ) -> Document | None:
        return await self.set_person(person_id, {f"consents.{consent}": False}, events)

    async def erase_person(
        self, person_id: str, at: datetime, events: Iterable[Envelope]
    ) -> Document | None:
        """The person's personal data gone and every link of theirs dead (the epoch moves on)."""
        erased: dict[str, Any] = {
            "name": None,
            "email": f"erased:{person_id}",
            "phone": None,
            "erased_at": at,
            "consents": {},
        }
        update = {"$set": erased, "$inc": {"link_epoch": 1}}
        return await self.update_person(person_id, update, events)

    # --- requests for a new link -----------------------------------------------------------
    async def add_link_request(self, request: Document) -> None:
        await self.db[LINK_REQUESTS].insert_one(request)

    async def open_link_requests(self, stale_before: datetime, limit: int = 100) -> list[str]:
        """Requests nobody has taken, or taken before ``stale_before`` and left (a crash),
        oldest first."""
        cursor = (
            self.db[LINK_REQUESTS]
            .find({"taken_at": {"$lt": stale_before}}, {"_id": 1})
            .sort("requested_at", ASCENDING)
            .limit(limit)
        )
        return [request["_id"] async for request in cursor]

    async def take_link_request(
        self, request_id: str, now: datetime, stale_before: datetime
    ) -> Document | None:
        """Claim one request for this instance (another may look at the same ones)."""
        return await self.db[LINK_REQUESTS].find_one_and_update(
            {"_id": request_id, "taken_at": {"$lt": stale_before}},
            {"$set": {"taken_at": now}},
            return_document=ReturnDocument.AFTER,
        )

    async def drop_link_request(self, request_id: str) -> None:
        await self.db[LINK_REQUESTS].delete_one({"_id": request_id})

    # --- cases ---------------------------------------------------------------------------
    async def insert_case(self, case: Document, events: Iterable[Envelope]) -> bool:
        """Insert the case with its events; False if it exists already (a retried submission)."""
        try:
            await self.db[CASES].insert_one(self.stored_case(case, events))
            return True
        except DuplicateKeyError:
            return False

    def stored_case(self, case: Document, events: Iterable[Envelope]) -> Document:
        """The case as it is written: with its month (the case list reads by it) and events."""
        month = {"created_month": month_of(case["created_at"])}
        return {**case, **month, **outbox_fields(self.topic, events)}

    async def case_by_id(self, case_id: str) -> Document | None:
        return await self.db[CASES].find_one({"_id": case_id}, HIDE_OUTBOX)

    async def case(self, office_id: str, case_id: str) -> Document | None:
        return await self.db[CASES].find_one({"_id": case_id, "office_id": office_id}, HIDE_OUTBOX)

    async def cases_of_person(self, person_id: str) -> list[Document]:
        cursor = self.db[CASES].find({"person_id": person_id}, HIDE_OUTBOX).sort("created_at", 1)
        return [case async for case in cursor]

    async def cases_changed_before(self, before: datetime) -> list[Document]:
        """Cases not erased and not changed since ``before`` (the retention pass's candidates;
        ``erased_at`` is set by an erasure's scrub, absent before it)."""
        cursor = self.db[CASES].find(
            {"erased_at": None, "updated_at": {"$lt": before}}, {"person_id": 1}
        )
        return [case async for case in cursor]

    async def delete_claims_before(self, before: datetime) -> int:
        result = await self.db[CLAIMS].delete_many({"at": {"$lt": before}})
        return result.deleted_count

    async def has_cases(self, person_id: str) -> bool:
        return await self.db[CASES].find_one({"person_id": person_id}, {"_id": 1}) is not None

    async def find_cases(
        self,
        office_id: str,
        filters: Mapping[str, Any],
        limit: int,
        offset: int,
        *,
        newest: datetime,
        oldest: datetime | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Document]:
        """A page of the office's cases matching ``filters``, newest first, created between
        ``oldest`` and ``newest`` (their months).

        Read by months (``created_month``, which every store serves from an index), newest
        first, until the page is full, each round one sorted query of the page's rest: a store
        whose sort is not served by an index (the local FerretDB sorts every matching row in
        PostgreSQL, decision 0008) then sorts about a page of cases instead of all the office's
        (15,795 of one office at the county's size). The first round reads the newest month;
        each next round as many months at once (``$in``) as the density so far says the rest of
        the page needs, twice as many after an empty round, ``LIST_MONTHS_AT_ONCE`` at most.
        ``since`` and ``until``: created from ``since``, before ``until``."""
        created = {op: at for op, at in (("$gte", since), ("$lt", until)) if at is not None}
        query = {**filters, **({"created_at": created} if created else {})}
        query["office_id"] = office_id  # the office last: filters cannot widen it
        wanted = offset + limit
        months = months_back(newest, oldest or FIRST_MONTH)
        found: list[Document] = []
        at, width = 0, 1
        while at < len(months) and len(found) < wanted:
            page = await self._months(query, months[at : at + width], wanted - len(found))
            found.extend(page)  # rounds go back in time, each newest first: in order
            at, width = at + width, _next_width(width, len(page), wanted - len(found))
        return found[offset:wanted]

    async def _months(
        self, query: Mapping[str, Any], months: list[str], limit: int
    ) -> list[Document]:
        month = months[0] if len(months) == 1 else {"$in": months}
        cursor = (
            self.db[CASES]
            .find({**query, "created_month": month}, {**HIDE_OUTBOX, "notes": 0})
            .sort("created_at", DESCENDING)
            .limit(limit)
        )
        return [case async for case in cursor]

    async def search_cases(self, office_id: str, key: str, limit: int) -> list[Document]:
        """The office's cases holding the search key, newest first (with their keys, so a
        search of several words can require the rest)."""
        cursor = (
            self.db[CASES]
            .find({"office_id": office_id, "search_keys": key}, {**HIDE_OUTBOX, "notes": 0})
            .sort("created_at", DESCENDING)
            .limit(limit)
        )
        return [case async for case in cursor]

    async def case_by_reference(self, office_id: str, reference: str) -> Document | None:
        query = {"reference": reference, "office_id": office_id}
        return await self.db[CASES].find_one(query, {**HIDE_OUTBOX, "notes": 0})

    async def set_search_keys(self, person_id: str, keys: list[str]) -> None:
        """The person's cases, in every office, found by their data as it is now."""
        await self.db[CASES].update_many({"person_id": person_id}, {"$set": {"search_keys": keys}})

    async def backfill_search_keys(
        self,
        offices: Iterable[str],
        fingerprint: str,
        keys_of: Callable[[Document], list[str]],
    ) -> int:
        """Give cases their search keys: once for cases written before the search existed, and
        again for every case when the key changed (``fingerprint``: a new platform secret).
        ``keys_of(person)`` makes them. Returns how many cases it set."""
        state = self.db[STORE_STATE]
        done = await state.find_one({"_id": "search_keys"})
        if done is not None and done.get("key") == fingerprint:
            return 0
        changed = 0
        for office_id in offices:
            query: Document = {"office_id": office_id}
            if done is None:  # the first pass: only the cases without keys
                query["search_keys"] = {"$exists": False}
            async for case in self.db[CASES].find(query, {"person_id": 1}):
                person = await self.person(case["person_id"]) or {}
                result = await self.db[CASES].update_one(
                    {"_id": case["_id"]}, {"$set": {"search_keys": keys_of(person)}}
                )
                changed += result.modified_count
        await state.update_one({"_id": "search_keys"}, {"$set": {"key": fingerprint}}, upsert=True)
        return changed

    async def backfill_created_month(self, offices: Iterable[str]) -> int:
        """Once: give cases written before ``created_month`` existed their month (the case
        list reads by it). Notes the pass done in ``store_state``; returns how many it set."""
        state = self.db[STORE_STATE]
        if await state.find_one({"_id": "created_month"}) is not None:
            return 0
        changed = 0
        for office_id in offices:
            old = self.db[CASES].find(
                {"office_id": office_id, "created_month": {"$exists": False}},
                {"_id": 1, "created_at": 1},
            )
            async for case in old:
                month = month_of(case["created_at"])
                result = await self.db[CASES].update_one(
                    {"_id": case["_id"]}, {"$set": {"created_month": month}}
                )
                changed += result.modified_count
        await state.update_one({"_id": "created_month"}, {"$set": {"done": True}}, upsert=True)
        return changed

    async def update_case(
        self,
        office_id: str,
        case_id: str,
        update: Mapping[str, Any],
        events: Iterable[Envelope],
        expect: Mapping[str, Any] | None = None,
    ) -> Document | None:
        """Change a case of this office and write its events, only if ``expect`` still holds."""
        selector = {**(expect or {}), "_id": case_id, "office_id": office_id}
        return await change_with_outbox(self.db[CASES], selector, update, self.topic, events)

    async def change_case(
        self,
        office_id: str,
        case_id: str,
        change: CaseChange,
        events: Iterable[Envelope],
        expect: Mapping[str, Any] | None = None,
    ) -> Document | None:
        """``change`` made to a case of this office with its events, if ``expect`` holds."""
        update: dict[str, Any] = {}
        if change.fields:
            update["$set"] = dict(change.fields)
        if change.appended:
            update["$push"] = dict(change.appended)
        return await self.update_case(office_id, case_id, update, events, expect)
