"""What notifications keeps of a person: name, address, language and office, by person id.

Kept from intake's ``inquiry.received`` so that later events that only name the person
(scheduling's offered times and meetings, consent changes) can reach them. Name and address are
stored **sealed with the person's vault key**, exactly as they travelled: the copy is scrubbed on
``erasure.requested``, and any copy that escaped that (a backup, an event that never arrived)
reads as nothing once intake destroys the key.
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
        sealed = await vault.seal(plain, SEALED_AS, event.person_id)
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


def _envelope(person_id: str, data: dict[str, object]) -> Envelope:
    return Envelope(type=SEALED_AS.event_type, source=SOURCE, subject=person_id, data=data)
