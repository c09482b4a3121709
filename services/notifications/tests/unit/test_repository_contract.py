"""One contract, two repositories: the in-memory version (hoppid.notifications.memory) keeps and
answers as the MongoDB store does (hoppid.notifications.store), so the reactions' unit tests on
it say something of the service. Each test runs on both: the memory side in the fast lane, the
store side (``mongo``, marked integration) on the local stack, with the store's indexes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hoppid.notifications.copies.store import ADVISORS, CASES, ENROLMENTS, NO_COPY, PEOPLE
from hoppid.notifications.delivery.store import ANONYMOUS
from hoppid.notifications.memory import MemoryStore
from hoppid.notifications.store import NotificationsStore, Repositories
from hoppid.shared.envelope import Envelope

AT = datetime(2030, 6, 4, 10, 0, 0, 123000, tzinfo=UTC)  # milliseconds: what the store keeps
TOPIC = "test.hoppid.notifications"
Raw = Callable[[str], Any]  # a delivery as stored, with its outbox


# a plain fixture: it asks for the stack's ``database`` only when the test runs on the store
@pytest.fixture(params=["memory", pytest.param("mongo", marks=pytest.mark.integration)])
def both(request: pytest.FixtureRequest) -> tuple[Repositories, Raw]:
    if request.param == "memory":
        memory = MemoryStore(TOPIC)

        async def in_memory(delivery_id: str) -> Any:
            return memory.deliveries.get(delivery_id)

        return memory, in_memory
    database = request.getfixturevalue("database")  # the claims need only _id's uniqueness

    async def stored(delivery_id: str) -> Any:
        return await database["deliveries"].find_one({"_id": delivery_id})

    return NotificationsStore(database, TOPIC), stored


@pytest.fixture
def store(both: tuple[Repositories, Raw]) -> Repositories:
    return both[0]


async def test_a_copy_is_kept_as_of_its_newest_event(store: Repositories) -> None:
    assert await store.save_if_newer(CASES, {"_id": "c1", "status": "new"}, AT)
    same_millisecond = AT + timedelta(microseconds=400)  # the event applied last wins
    assert await store.save_if_newer(CASES, {"_id": "c1", "status": "closed"}, same_millisecond)
    older = AT - timedelta(milliseconds=1)
    assert not await store.save_if_newer(CASES, {"_id": "c1", "status": "new"}, older)
    assert await store.count_open_cases("o1") == 0
    assert await store.save_if_newer(CASES, {"_id": "c1", "office_id": "o1", "status": "new"}, AT)
    assert [c["_id"] for c in await store.open_cases("o1", 10)] == ["c1"]


async def test_what_is_kept_beside_a_copy_and_the_erasure(store: Repositories) -> None:
    fields = {"corrected_language": "en", "corrected_at": AT}
    assert await store.save_beside_copy("p1", fields, "corrected_at", AT)  # before any copy
    person = await store.person("p1")
    assert person is not None and _plain(person["as_of"]) == NO_COPY
    before = AT - timedelta(seconds=1)
    older = {"corrected_language": "nn", "corrected_at": before}
    assert not await store.save_beside_copy("p1", older, "corrected_at", before)
    copy = {"_id": "p1", "language": "nb", "office_id": "o1"}
    assert await store.save_if_newer(PEOPLE, copy, AT - timedelta(days=1))
    person = await store.person("p1")
    assert person is not None and (person["language"], person["corrected_language"]) == (
        "nb",
        "en",
    )
    assert not await store.person_erased("p1")
    await store.forget_person("p1", AT)
    assert await store.person_erased("p1") and not await store.person_erased(None)
    erased = await store.person("p1")
    assert erased is not None and set(erased) == {"_id", "as_of", "erased_at"}
    after = AT + timedelta(days=1)
    later = {"corrected_language": "en", "corrected_at": after}
    assert not await store.save_beside_copy("p1", later, "corrected_at", after)


async def test_a_booking_version_is_given_once_per_event(store: Repositories) -> None:
    first = await store.booking_version("b1", "e1", {"start": AT, "advisor_id": "a1"})
    moved = await store.booking_version("b1", "e2", {"start": AT + timedelta(hours=1)})
    again = await store.booking_version("b1", "e1", {"start": AT})  # redelivered
    assert (first["sequence"], moved["sequence"], again["sequence"]) == (0, 1, 0)
    told = await store.booking_version("b1", "e3", {"cancelled": True}, sequence=7)
    assert told["sequence"] == 7
    kept = await store.booking("b1")
    assert kept is not None and [v["sequence"] for v in kept["versions"]] == [0, 1, 7]


async def test_the_read_models_of_the_digest_and_the_programmes(store: Repositories) -> None:
    for advisor, active in (("a2", True), ("a1", True), ("a3", False)):
        document = {"_id": advisor, "active": active, "office_id": "o1"}
        await store.save_if_newer(ADVISORS, document, AT)
    assert [a["_id"] for a in await store.active_advisors()] == ["a1", "a2"]
    assert (await store.advisor("a3") or {}).get("active") is False
    assert await store.advisor("nobody") is None
    for n, status in enumerate(("seated", "waiting", "cancelled", "seated")):
        document = {"_id": f"e{n}", "programme_id": "g1", "status": status}
        await store.save_if_newer(ENROLMENTS, document, AT)
    assert [e["_id"] for e in await store.seated_enrolments("g1")] == ["e0", "e3"]
    assert [e["_id"] for e in await store.holding_enrolments("g1")] == ["e0", "e1", "e3"]

    day = AT.replace(hour=0, minute=0, second=0, microsecond=0)
    for booking, hour, cancelled in (("b2", 14, False), ("b1", 9, False), ("b3", 11, True)):
        start = day + timedelta(hours=hour)
        changes = {"advisor_id": "a1", "start": start, "cancelled": cancelled, "case_id": "c2"}
        await store.booking_version(booking, f"event-{booking}", changes)
    await store.booking_version("b4", "event-b4", {"advisor_id": "a1", "start": day})  # before
    meetings = await store.meetings_of_advisor("a1", day + timedelta(hours=1), day + timedelta(1))
    assert [m["_id"] for m in meetings] == ["b1", "b2"]

    for case, status, minutes in (("c1", "new", 2), ("c2", "in_guidance", 1), ("c3", "closed", 0)):
        document = {"_id": case, "office_id": "o1", "status": status, "reference": f"R-{case}"}
        await store.save_if_newer(CASES, document, AT + timedelta(minutes=minutes))
    assert [c["_id"] for c in await store.open_cases("o1", 1)] == ["c2"]  # longest unchanged
    assert await store.count_open_cases("o1") == 2
    assert await store.case_references(["c2", None, "c9"]) == {"c2": "R-c2"}


def _delivery(delivery_id: str, status: str, at: datetime) -> dict[str, Any]:
    return {
        "_id": delivery_id,
        "person_id": "p1",
        "channel": "email",
        "status": status,
        "scheduled_for": at,
        "updated_at": at,
        "to": "kari@example.no",
        "content": {"text": "Hei"},
    }


def _event(n: int) -> Envelope:
    return Envelope(type="no.hoppid.test.v1", source="/test", subject=f"d{n}", data={"n": n})


async def test_a_delivery_is_claimed_once_and_changes_from_the_status_it_expects(
    both: tuple[Repositories, Raw],
) -> None:
    store, raw = both
    assert await store.claim(_delivery("d1", "scheduled", AT), [_event(1)])
    assert not await store.claim(_delivery("d1", "sending", AT))
    assert await store.claim(_delivery("d2", "scheduled", AT + timedelta(minutes=1)))
    assert await store.due(AT) == ["d1"]
    assert await store.due(AT + timedelta(minutes=5)) == ["d1", "d2"]
    taken = await store.take("d1", AT)
    assert taken is not None and taken["status"] == "sending" and "outbox" not in taken
    assert await store.take("d1", AT) is None  # taken once
    assert await store.count_stuck(AT + timedelta(seconds=1)) == 1

    later = AT + timedelta(seconds=30)
    assert await store.schedule_retry("d1", later, 1, "timeout", AT)
    assert not await store.schedule_retry("d1", later, 1, "timeout", AT)  # not sending now
    assert await store.take("d1", later) is not None
    sent = {"status": "sent", "sent_at": later, "updated_at": later, "attempts": 2}
    assert await store.finish("d1", sent, [_event(2)], if_status="sending")
    assert not await store.finish("d1", sent, [_event(3)], if_status="sending")
    scrub = {"to": None, "erased_at": later}
    assert await store.finish("d2", scrub, if_status=None)

    done = await store.delivery("d1")
    assert done is not None and (done["status"], done["attempts"], done["last_error"]) == (
        "sent",
        2,
        "timeout",
    )
    assert "content" not in done and "outbox" not in done
    stored = await raw("d1")
    assert [e["event"]["data"]["n"] for e in stored["outbox"]] == [1, 2]
    assert stored["outbox_pending"] is True and stored["outbox"][0]["topic"] == TOPIC
    mine = {d["_id"]: d for d in await store.deliveries_of_person("p1")}
    assert set(mine) == {"d1", "d2"} and mine["d2"]["to"] is None
    assert "content" not in mine["d2"] and mine["d2"]["status"] == "scheduled"


async def test_retention_anonymises_old_done_deliveries_once(
    both: tuple[Repositories, Raw],
) -> None:
    store, raw = both
    old, recent = AT - timedelta(days=181), AT - timedelta(days=179)
    whose = {"subject": "Kvittering", "recipient_id": "p1", "case_id": "c1", "office_id": "o1"}
    for delivery_id, status, at in (
        ("sent-old", "sent", old),
        ("failed-old", "failed", old),
        ("sent-recent", "sent", recent),
        ("scheduled-old", "scheduled", old),  # not done: it may still go
    ):
        assert await store.claim({**_delivery(delivery_id, status, at), **whose})
    done_before = {**_delivery("suppressed-old", "suppressed", old), "anonymised_at": old}
    assert await store.claim(done_before)  # anonymised before: not again

    assert await store.anonymise_deliveries_before(AT - timedelta(days=180), AT) == 2
    for delivery_id in ("sent-old", "failed-old"):
        gone = await raw(delivery_id)
        assert [gone[name] for name in ANONYMOUS] == [None] * len(ANONYMOUS)
        assert "content" not in gone and _plain(gone["anonymised_at"]) == AT
        assert (gone["office_id"], gone["channel"]) == ("o1", "email")  # what counts stays
    for delivery_id in ("sent-recent", "scheduled-old"):
        kept = await raw(delivery_id)
        assert (kept["to"], kept["subject"], kept["content"]) == (
            "kari@example.no",
            "Kvittering",
            {"text": "Hei"},
        )
        assert "anonymised_at" not in kept
    assert _plain((await raw("suppressed-old"))["anonymised_at"]) == _plain(old)
    assert await store.anonymise_deliveries_before(AT, AT + timedelta(days=1)) == 1  # the recent


async def test_retention_deletes_past_meetings_and_old_enrolments(store: Repositories) -> None:
    for booking, start in (("b-old", AT - timedelta(days=366)), ("b-new", AT)):
        await store.booking_version(booking, f"event-{booking}", {"start": start})
    await store.booking_version("b-unknown", "event-b-unknown", {"advisor_id": "a1"})  # no start
    for enrolment, days in (("e-old", 366), ("e-new", 364)):
        document = {"_id": enrolment, "programme_id": "g1", "status": "seated"}
        await store.save_if_newer(ENROLMENTS, document, AT - timedelta(days=days))

    a_year_ago = AT - timedelta(days=365)
    assert await store.delete_meetings_before(a_year_ago) == 1
    assert await store.delete_enrolments_before(a_year_ago) == 1
    assert await store.booking("b-old") is None
    assert await store.booking("b-new") is not None and await store.booking("b-unknown")
    assert [e["_id"] for e in await store.seated_enrolments("g1")] == ["e-new"]
    assert await store.delete_meetings_before(a_year_ago) == 0  # nothing twice
    assert await store.delete_enrolments_before(a_year_ago) == 0


async def test_preferences_are_kept_and_forgotten(store: Repositories) -> None:
    assert await store.preferences("p1") is None
    await store.set_preferences("p1", {"non_essential": {"email": False, "sms": True}})
    await store.set_preferences("p1", {"non_essential": {"email": False, "sms": False}})
    assert await store.preferences("p1") == {
        "_id": "p1",
        "non_essential": {"email": False, "sms": False},
    }
    await store.forget_preferences("p1")
    assert await store.preferences("p1") is None


def _plain(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)
