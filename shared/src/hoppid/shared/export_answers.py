"""A service's answer to a person's export request (intake's ``person.export_requested``), once.

Each answering service (scheduling, notifications) keeps one document per export it answered
in ``person_exports``, keyed by the export id: it is the outbox of the answer, so a redelivered
request inserts nothing and publishes nothing again. The answer is sealed with the person's
key; an erased person (key destroyed) gets no answer, and intake shows the part as missing.
Once published, a record holds only ids and a time; each service's retention pass deletes it
after its period (``purge_answered``), long after intake's export itself is gone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.mongo import IndexSpec
from hoppid.shared.outbox import PENDING, outbox_fields, outbox_indexes
from hoppid.shared.pii import PersonalDataVault

# one document per export answered: the outbox of its answer (id, person and time otherwise)
PERSON_EXPORTS = "person_exports"
INDEXES: list[IndexSpec] = [
    *outbox_indexes([PERSON_EXPORTS]),
    IndexSpec(PERSON_EXPORTS, ["answered_at"]),  # the retention pass (purge_answered)
]


class ExportAnswer(Protocol):
    """What each service's ``…ExportAnswered`` event has (each is its producer's contract)."""

    @property
    def export_id(self) -> str: ...
    @property
    def person_id(self) -> str: ...
    @property
    def answered_at(self) -> datetime: ...

    def to_envelope(self, *, source: str, subject: str) -> Envelope: ...


class ExportAnswerStore:
    """The answers a service's store keeps (scheduling's and notifications's stores inherit it,
    as they inherit their features' stores): ``db`` and ``topic`` are the store's own."""

    db: AsyncDatabase[dict[str, Any]]
    topic: str

    async def export_answered(self, export_id: str) -> bool:
        found = await self.db[PERSON_EXPORTS].find_one({"_id": export_id}, {"_id": 1})
        return found is not None

    async def keep_export_answer(
        self, vault: PersonalDataVault, answered: ExportAnswer, model: type[Event], source: str
    ) -> bool:
        """Seal ``answered`` (of ``model``, its event class) and keep it as the outbox of its
        export; False when nothing was stored: the person is erased, or another instance
        answered first."""
        plain = answered.to_envelope(source=source, subject=answered.person_id)
        try:
            sealed = await vault.seal(plain, model, answered.person_id)
        except PermissionError:
            return False  # erased: nothing of theirs goes out
        document: dict[str, Any] = {
            "_id": answered.export_id,
            "person_id": answered.person_id,
            "answered_at": answered.answered_at,
            **outbox_fields(self.topic, [sealed]),
        }
        try:
            await self.db[PERSON_EXPORTS].insert_one(document)
        except DuplicateKeyError:
            return False  # another instance answered meanwhile
        return True


async def purge_answered(db: AsyncDatabase[dict[str, Any]], before: datetime) -> Mapping[str, int]:
    """Delete the records of answers given before ``before`` and already published (an answer
    still waiting for the relay keeps its record: it is the outbox)."""
    result = await db[PERSON_EXPORTS].delete_many(
        {"answered_at": {"$lt": before}, PENDING: {"$exists": False}}
    )
    return {"export_answers_deleted": result.deleted_count}
