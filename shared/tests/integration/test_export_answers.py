"""The records of export answers on the real store: the retention pass deletes those answered
before its moment and already published, never one still waiting for the relay (its outbox)."""

from datetime import UTC, datetime, timedelta
from typing import Any

from hoppid.shared.export_answers import PERSON_EXPORTS, purge_answered
from hoppid.shared.outbox import PENDING

NOW = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)


async def test_the_pass_deletes_old_published_answers_only(database: Any) -> None:
    answers = database[PERSON_EXPORTS]
    await answers.insert_many(
        [
            {"_id": "old-published", "person_id": "p1", "answered_at": NOW - timedelta(days=31)},
            {
                "_id": "old-waiting",
                "person_id": "p2",
                "answered_at": NOW - timedelta(days=31),
                PENDING: True,
            },
            {"_id": "recent", "person_id": "p3", "answered_at": NOW - timedelta(days=29)},
        ]
    )

    counts = await purge_answered(database, NOW - timedelta(days=30))

    assert counts == {"export_answers_deleted": 1}
    assert sorted([d["_id"] async for d in answers.find({})]) == ["old-waiting", "recent"]
    assert await purge_answered(database, NOW - timedelta(days=30)) == {"export_answers_deleted": 0}
