"""What notifications keeps of a person: name, address, language and office, by person id.

Kept from intake's ``inquiry.received`` so that later events that only name the person
(scheduling's offered times and meetings, consent changes) can reach them. Name and address are
stored **sealed with notifications's own vault key for the person** (``notifications:<person
id>``), not intake's: intake destroys its key *before* it publishes ``erasure.requested``, and the
person must still get the confirmation that their data is erased. On ``erasure.requested`` the
confirmation is sent, the copy replaced by a tombstone, and then this key destroyed too, so a
copy that escaped (a backup, a restore) reads as nothing from then on.

A correction (intake's ``person.corrected``: name and language; notifications keeps no phone) is
kept beside the copy, its name sealed with the same key, with its time: the copy read is the
inquiry's unless a correction is newer. So the newest of the two wins whatever order they come
in (an inquiry and a correction have different keys, so different partitions), a repeated or
older correction changes nothing, and a later inquiry, which carries intake's data as corrected,
wins over the correction before it. A new link the person asked for (``link.issued``) is kept
the same way: later messages carry it rather than the inquiry's, which may have expired.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hoppid.contracts import intake as intake_events
from hoppid.notifications.context import Context
from hoppid.notifications.copies.store import PEOPLE, Copies
from hoppid.shared.consumer import TransientError
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import Event
from hoppid.shared.pii import PersonalDataVault

# the sealed fields are bound to this event type and field name (the vault's encryption context)
SEALED_AS = intake_events.InquiryReceived
CORRECTED_AS = intake_events.PersonCorrected  # the kept correction's name
LINKED_AS = intake_events.LinkIssued  # the kept new link's token
SOURCE = "/hoppid/notifications"


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    email: str
    language: str | None
    office_id: str
    link_token: str | None = None  # the person's signed link, for booking and case links


async def keep(
    store: Copies,
    vault: PersonalDataVault,
    event: intake_events.InquiryReceived,
) -> None:
    """Keep the contact copy as of this inquiry; an older or repeated one changes nothing."""
    if event.email is None:  # None once the person is erased: nothing to keep
        return
    contact: dict[str, object] = {
        "name": event.name,
        "email": event.email,
        "case_link_token": event.case_link_token,
    }
    plain = _envelope(event.person_id, contact)
    try:
        # most people send one inquiry: their key is made without looking for it first
        sealed = await vault.seal(plain, SEALED_AS, key_id(event.person_id), likely_new=True)
    except PermissionError:  # erased between reading the event and now
        return
    document = {
        "_id": event.person_id,
        "sealed": dict(sealed.data),
        "language": event.language,
        "office_id": event.office_id,
    }
    await store.save_if_newer(PEOPLE, document, event.received_at)


async def find(store: Copies, vault: PersonalDataVault, person_id: str) -> Person | None:
    """The person's readable contact data, or None (never seen, erased, or key destroyed)."""
    document = await store.person(person_id)
    if document is None or document.get("erased_at"):
        return None
    opened = await vault.unseal(_envelope(person_id, document.get("sealed") or {}))
    email = opened.data.get("email")
    if not email:
        return None
    name, language = opened.data.get("name") or "", document.get("language")
    link_token = opened.data.get("case_link_token")
    if _newer_than_copy(document, "link_at"):
        link = await vault.unseal(_envelope(person_id, document.get("link") or {}, LINKED_AS))
        link_token = link.data.get("link_token") or link_token
    if _newer_than_copy(document, "corrected_at"):
        correction = await vault.unseal(
            _envelope(person_id, document.get("correction") or {}, CORRECTED_AS)
        )
        name = correction.data.get("name") or name
        language = document.get("corrected_language") or language
    return Person(
        id=person_id,
        name=name,
        email=email,
        language=language,
        office_id=document.get("office_id", ""),
        link_token=link_token,
    )


class PersonNotYetKnown(TransientError):
    """A scheduling event names a person whose copy has not been read yet: the copy comes from
    intake's topic, and nothing orders two topics. The event comes again (the consumer's
    retries, then the partition is read again from it) until the copy is there."""


async def find_awaited(ctx: Context, person_id: str, envelope: Envelope) -> Person | None:
    """:func:`find`, except that a person never seen is waited for (:class:`PersonNotYetKnown`)
    while the event is young: offered times are published a moment after the
    inquiry, and were suppressed when notifications read scheduling's topic first. After
    the wait (``HOPPID_NOTIFICATIONS_PERSON_WAIT_SECONDS``: intake's event lost or
    dead-lettered) the message is suppressed, as for a person erased or without an address, so
    the partition is never held for good."""
    person = await find(ctx.store, ctx.vault, person_id)
    if person is not None or await ctx.store.person(person_id) is not None:
        return person  # known: readable, or erased / without an address
    if ctx.now() - envelope.time < timedelta(seconds=ctx.settings.person_wait_seconds):
        raise PersonNotYetKnown(f"person {person_id}: no contact copy yet")
    return person


def _newer_than_copy(document: dict[str, Any], stamp: str) -> bool:
    """Whether what is kept beside the copy (``stamp``: its time) is newer than the inquiry
    the copy is made from."""
    kept_at, as_of = document.get(stamp), document.get("as_of")
    return isinstance(kept_at, datetime) and (not isinstance(as_of, datetime) or kept_at > as_of)


async def correct(
    store: Copies,
    vault: PersonalDataVault,
    event: intake_events.PersonCorrected,
) -> None:
    """Keep the correction unless a newer one is kept already (a repeat changes nothing)."""
    if event.name is None:  # None once the person is erased: nothing to keep
        return
    plain = _envelope(event.person_id, {"name": event.name}, CORRECTED_AS)
    try:
        sealed = await vault.seal(plain, CORRECTED_AS, key_id(event.person_id))
    except PermissionError:  # erased between reading the event and now
        return
    fields = {
        "correction": dict(sealed.data),
        "corrected_language": event.language,
        "corrected_at": event.corrected_at,
    }
    await store.save_beside_copy(event.person_id, fields, "corrected_at", event.corrected_at)


async def keep_link(
    store: Copies,
    vault: PersonalDataVault,
    event: intake_events.LinkIssued,
) -> None:
    """Keep a new link the person asked for, like a correction: later messages (booking links,
    the preferences footer) carry it instead of the inquiry's, which may have expired."""
    if event.link_token is None:  # None once the person is erased
        return
    plain = _envelope(event.person_id, {"link_token": event.link_token}, LINKED_AS)
    try:
        sealed = await vault.seal(plain, LINKED_AS, key_id(event.person_id))
    except PermissionError:  # erased between reading the event and now
        return
    fields = {"link": dict(sealed.data), "link_at": event.issued_at}
    await store.save_beside_copy(event.person_id, fields, "link_at", event.issued_at)


def key_id(person_id: str) -> str:
    """notifications's own key for the person in the vault (intake's is the bare person id)."""
    return f"notifications:{person_id}"


async def shred(vault: PersonalDataVault, person_id: str) -> None:
    """Erasure's last step: every sealed copy of the contact reads as nothing from now on."""
    await vault.destroy(key_id(person_id))


def _envelope(person_id: str, data: dict[str, object], model: type[Event] = SEALED_AS) -> Envelope:
    return Envelope(type=model.event_type, source=SOURCE, subject=person_id, data=data)
