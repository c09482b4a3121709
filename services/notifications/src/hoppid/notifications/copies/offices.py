"""What a message needs of an office: its name (the sender), contact address and languages.

The copy kept from intake's ``office.changed`` events comes first; an office not seen yet (the
service started after intake published) is taken from the packaged office data, so a message
still goes out with the right sender.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from hoppid.notifications.copies.store import OFFICES, Copies
from hoppid.notifications.model import DEFAULT_LANGUAGE
from hoppid.shared.tenancy import OfficeRegistry, load_registry


@dataclass(frozen=True)
class OfficeView:
    id: str
    name: str
    contact_email: str
    languages: tuple[str, ...]

    @property
    def language(self) -> str:
        """The language the office's staff read: the first it works in."""
        return self.languages[0] if self.languages else DEFAULT_LANGUAGE

    def values(self) -> dict[str, str]:
        return {"office_name": self.name, "office_contact": self.contact_email}


async def office_view(store: Copies, office_id: str, fallback_contact: str) -> OfficeView:
    stored = await store.recent_office(office_id)
    if stored is not None:
        return OfficeView(
            office_id, stored["name"], stored["contact_email"], tuple(stored["languages"])
        )
    packaged = _registry().office(office_id)
    if packaged is not None:
        return OfficeView(office_id, packaged.name, packaged.contact_email, packaged.languages)
    return OfficeView(office_id, "hoppid", fallback_contact, (DEFAULT_LANGUAGE,))


async def save_office(store: Copies, office: OfficeView, at: datetime) -> bool:
    """Keep the office as of its newest change; a repeated or older event changes nothing."""
    document = {
        "_id": office.id,
        "name": office.name,
        "contact_email": office.contact_email,
        "languages": list(office.languages),
    }
    return await store.save_if_newer(OFFICES, document, at)


@cache
def _registry() -> OfficeRegistry:
    return load_registry()
