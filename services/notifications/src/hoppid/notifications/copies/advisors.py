"""The directory of advisors, kept from scheduling's ``advisor.changed``: where staff mail goes.

Name and work address arrive sealed with the vault under the advisor id and are kept so (as
the person's contact copy is): the directory opens to nothing if that key is destroyed.
"""

from __future__ import annotations

from dataclasses import dataclass

from hoppid.contracts import scheduling as sched
from hoppid.notifications.copies.store import ADVISORS, Copies
from hoppid.notifications.model import LANGUAGES, language_of
from hoppid.shared.envelope import Envelope
from hoppid.shared.pii import PersonalDataVault

SOURCE = "/hoppid/notifications"


@dataclass(frozen=True)
class Advisor:
    id: str
    name: str
    email: str
    language: str  # the first of the advisor's languages that has templates
    office_id: str


async def keep(store: Copies, vault: PersonalDataVault, event: sched.AdvisorChanged) -> None:
    """Keep the advisor as of this event; an older or repeated one changes nothing."""
    contact: dict[str, object] = {"name": event.name, "email": event.email}
    sealed: dict[str, object] = {}
    if event.email is not None:
        try:
            opened = _envelope(event.advisor_id, contact)
            sealed = dict((await vault.seal(opened, sched.AdvisorChanged, event.advisor_id)).data)
        except PermissionError:  # the advisor's key is destroyed: keep no contact
            sealed = {}
    document = {
        "_id": event.advisor_id,
        "office_id": event.office_id,
        "languages": list(event.languages),
        "active": event.active,
        "sealed": sealed,
    }
    await store.save_if_newer(ADVISORS, document, event.changed_at)


async def find(store: Copies, vault: PersonalDataVault, advisor_id: str) -> Advisor | None:
    """The active advisor's readable contact, or None."""
    document = await store.advisor(advisor_id)
    return await _open(vault, document) if document else None


async def active(store: Copies, vault: PersonalDataVault) -> list[Advisor]:
    found = []
    for document in await store.active_advisors():
        advisor = await _open(vault, document)
        if advisor is not None:
            found.append(advisor)
    return found


async def _open(vault: PersonalDataVault, document: dict[str, object]) -> Advisor | None:
    advisor_id = str(document["_id"])
    sealed = document.get("sealed")
    if not document.get("active") or not isinstance(sealed, dict):
        return None
    opened = (await vault.unseal(_envelope(advisor_id, sealed))).data
    if not opened.get("email"):
        return None
    languages = document.get("languages")
    spoken = (
        [lang for lang in languages if lang in LANGUAGES] if isinstance(languages, list) else []
    )
    return Advisor(
        id=advisor_id,
        name=opened.get("name") or "",
        email=opened["email"],
        language=language_of(spoken[0] if spoken else None),
        office_id=str(document.get("office_id", "")),
    )


def _envelope(advisor_id: str, data: dict[str, object]) -> Envelope:
    return Envelope(
        type=sched.AdvisorChanged.event_type, source=SOURCE, subject=advisor_id, data=data
    )
