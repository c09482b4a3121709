"""What notifications keeps of a person: name, address, language and office, by person id.

Kept from intake's ``inquiry.received`` so that later events that only name the person
(scheduling's offered times and meetings, consent changes) can reach them. Name and address are
stored **sealed with notifications's own vault key for the person** (``notifications:<person
id>``), not intake's: intake destroys its key *before* it publishes ``erasure.requested``, and the
person must still get the confirmation that their data is erased. On ``erasure.requested`` the
confirmation is sent, the copy replaced by a tombstone, and then this key destroyed too, so a
copy that escaped (a backup, a restore) reads as nothing from then on.
"""

from __future__ import annotations

from dataclasses import dataclass

from hoppid.notifications.store import PEOPLE, NotificationsStore
from hoppid.shared.envelope import Envelope
from hoppid.shared.events import intake as intake_events
from hoppid.shared.pii import PersonalDataVault

# the sealed fields are bound to this event type and field name (the vault's encryption context)
SEALED_AS = intake_events.InquiryReceived
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
    store: NotificationsStore,
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


async def find(
    store: NotificationsStore, vault: PersonalDataVault, person_id: str
) -> Person | None:
    """The person's readable contact data, or None (never seen, erased, or key destroyed)."""
    document = await store.person(person_id)
    if document is None or document.get("erased_at"):
        return None
    opened = await vault.unseal(_envelope(person_id, document.get("sealed") or {}))
    email = opened.data.get("email")
    if not email:
        return None
    return Person(
        id=person_id,
        name=opened.data.get("name") or "",
        email=email,
        language=document.get("language"),
        office_id=document.get("office_id", ""),
        link_token=opened.data.get("case_link_token"),
    )


def key_id(person_id: str) -> str:
    """notifications's own key for the person in the vault (intake's is the bare person id)."""
    return f"notifications:{person_id}"


async def shred(vault: PersonalDataVault, person_id: str) -> None:
    """Erasure's last step: every sealed copy of the contact reads as nothing from now on."""
    await vault.destroy(key_id(person_id))


def _envelope(person_id: str, data: dict[str, object]) -> Envelope:
    return Envelope(type=SEALED_AS.event_type, source=SOURCE, subject=person_id, data=data)
