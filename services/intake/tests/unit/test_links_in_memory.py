"""A new link by email on the in-memory repository (links.memory): the request is one record
whoever asks (the address normalised, the pass woken); the pass issues a link only to a known,
not erased person, to the address intake holds, with the office of their newest case and the
request's id as the event's (a request handled twice is one mail); every request handled is
dropped, one another instance holds is left until it goes stale. No stack: the vault is a
stand-in that hands the envelope back unsealed (sealing is the vault's own test)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from hoppid.contracts import intake as ev
from hoppid.intake.context import Context
from hoppid.intake.links import issuing, use_cases
from hoppid.intake.links.memory import MemoryLinks
from hoppid.shared.envelope import Envelope
from hoppid.shared.links import verify_link

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRET = "s" * 32


class UnsealedVault:
    def __init__(self, erased: tuple[str, ...] = ()) -> None:
        self.erased = erased  # people whose key is shredded: sealing refuses

    async def seal(self, envelope: Envelope, model: Any, person_id: str) -> Envelope:
        if person_id in self.erased:
            raise PermissionError(person_id)
        return envelope


class Counter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


def context(memory: MemoryLinks, vault: UnsealedVault | None = None, **calls: Counter) -> Context:
    return Context(
        store=cast(Any, memory),  # the link use cases read only their repository's methods
        link_secret=SECRET,
        link_days=30,
        notify=calls.get("notify", Counter()),
        vault=cast(Any, vault or UnsealedVault()),
        now=lambda: NOW,
        wake_links=calls.get("wake", Counter()),
    )


@pytest.fixture
async def links() -> MemoryLinks:
    memory = MemoryLinks()
    kari = {
        "_id": "p-kari",
        "email": "kari@example.no",
        "name": "Kari",
        "language": "nn",
        "link_epoch": 3,
    }
    await memory.insert_person(kari)
    for case_id, office_id, days_ago in (("c-1", "molde", 40), ("c-2", "nordveggen", 2)):
        created = NOW - timedelta(days=days_ago)
        case = {"_id": case_id, "office_id": office_id, "person_id": "p-kari"}
        await memory.insert_case({**case, "reference": case_id, "created_at": created})
    return memory


async def test_a_request_is_one_record_whoever_asks(links: MemoryLinks) -> None:
    wake = Counter()
    ctx = context(links, wake=wake)
    await use_cases.request_link(ctx, "  Kari@Example.NO ")
    await use_cases.request_link(ctx, "nobody@example.no")
    requests = sorted(links.link_requests.values(), key=lambda r: r["email"])
    assert [(r["email"], r["requested_at"], r["taken_at"]) for r in requests] == [
        ("kari@example.no", NOW, use_cases.NOT_TAKEN),
        ("nobody@example.no", NOW, use_cases.NOT_TAKEN),
    ]
    assert wake.count == 2 and links.events == []  # nothing issued while the request waits


async def test_a_known_person_gets_a_link_to_the_address_intake_holds(links: MemoryLinks) -> None:
    notify = Counter()
    ctx = context(links, notify=notify)
    await use_cases.request_link(ctx, "KARI@example.no")
    [request_id] = links.link_requests
    assert await issuing.issue_requested_links(ctx) == 1
    [issued] = links.events
    assert (issued.type, issued.id, issued.subject) == (
        ev.LinkIssued.event_type,
        request_id,  # handled twice, the same event: mailed once
        "p-kari",
    )
    data = issued.data
    assert (data["email"], data["office_id"], data["language"]) == (
        "kari@example.no",
        "nordveggen",  # the newest case's office
        "nn",
    )
    claims = verify_link(SECRET, data["link_token"], NOW)
    assert claims is not None and (claims.person_id, claims.epoch) == ("p-kari", 3)
    assert links.people["p-kari"]["link_issued_at"] == NOW
    assert links.link_requests == {} and notify.count == 1


async def test_an_unknown_or_erased_address_gets_nothing_and_is_dropped(
    links: MemoryLinks,
) -> None:
    await links.insert_person(
        {"_id": "p-ola", "email": "ola@example.no", "link_epoch": 0, "erased_at": NOW}
    )
    ctx = context(links)
    for address in ("nobody@example.no", "ola@example.no"):
        await use_cases.request_link(ctx, address)
    assert await issuing.issue_requested_links(ctx) == 0
    assert links.events == [] and links.link_requests == {}


async def test_a_person_erased_meanwhile_gets_nothing(links: MemoryLinks) -> None:
    ctx = context(links, UnsealedVault(erased=("p-kari",)))  # the key shredded: no sealing
    await use_cases.request_link(ctx, "kari@example.no")
    assert await issuing.issue_requested_links(ctx) == 0
    assert links.events == [] and links.link_requests == {}
    assert "link_issued_at" not in links.people["p-kari"]


async def test_a_request_another_instance_holds_waits_until_it_is_stale(
    links: MemoryLinks,
) -> None:
    held = NOW - timedelta(minutes=1)
    left = NOW - issuing.STALE_AFTER - timedelta(seconds=1)
    for request_id, taken_at in (("held", held), ("left", left)):
        request = {"_id": request_id, "email": "kari@example.no", "requested_at": left}
        await links.add_link_request({**request, "taken_at": taken_at})
    assert await issuing.issue_requested_links(context(links)) == 1
    assert [e.id for e in links.events] == ["left"]
    assert list(links.link_requests) == ["held"]
