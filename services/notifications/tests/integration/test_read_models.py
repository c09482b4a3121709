"""The local copies notifications keeps from other services' events: save_if_newer."""

from datetime import UTC, datetime, timedelta
from typing import Any

from hoppid.notifications.copies.store import CASES
from hoppid.notifications.store import NotificationsStore

OPENED = datetime(2026, 11, 30, 9, 15, 0, 123000, tzinfo=UTC)


def store(database: Any) -> NotificationsStore:
    return NotificationsStore(database, "test.hoppid.notifications")


async def test_an_event_stamped_in_the_same_millisecond_as_the_copy_is_applied(
    database: Any,
) -> None:
    # a case opened and closed at once: the store keeps milliseconds, so the two stamps are
    # equal there, and the event applied last (the partition's order) must win
    cases = store(database)
    await cases.save_if_newer(CASES, {"_id": "c1", "status": "new"}, OPENED)
    closed_at = OPENED + timedelta(microseconds=400)  # same millisecond
    assert await cases.save_if_newer(CASES, {"_id": "c1", "status": "closed"}, closed_at)
    assert (await database[CASES].find_one({"_id": "c1"}))["status"] == "closed"


async def test_an_older_event_changes_nothing(database: Any) -> None:
    cases = store(database)
    await cases.save_if_newer(CASES, {"_id": "c1", "status": "closed"}, OPENED)
    earlier = OPENED - timedelta(milliseconds=1)
    assert not await cases.save_if_newer(CASES, {"_id": "c1", "status": "new"}, earlier)
    stored = await database[CASES].find_one({"_id": "c1"})
    assert stored["status"] == "closed"
    assert stored["as_of"].replace(tzinfo=UTC) == OPENED
