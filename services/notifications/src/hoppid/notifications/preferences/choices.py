"""A person's message preferences: which channels may carry non-essential messages.

Service messages (their receipt, offered times, meetings, reminders, confirmations about their
data) always go: a preference only stops ``non_essential`` ones (``Outgoing.message_class``).
Nothing stored means everything on. Kept by person id (no address, no name) and forgotten on
erasure, with the rest of the person.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from hoppid.notifications.model import Channel, Outgoing
from hoppid.notifications.preferences.store import Preferences

CHANNELS: tuple[Channel, ...] = ("email", "sms")


class NonEssential(BaseModel):
    """Per channel: True lets non-essential messages through."""

    model_config = ConfigDict(extra="forbid")

    email: bool = Field(description="Non-essential messages by email")
    sms: bool = Field(description="Non-essential messages by SMS")


class PreferencesForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    non_essential: NonEssential = Field(description="Which channels carry non-essential messages")


async def of_person(store: Preferences, person_id: str) -> NonEssential:
    stored = (await store.preferences(person_id)) or {}
    allowed = stored.get("non_essential") or {}
    return NonEssential(**{channel: bool(allowed.get(channel, True)) for channel in CHANNELS})


async def save(store: Preferences, person_id: str, form: PreferencesForm) -> None:
    await store.set_preferences(person_id, {"non_essential": form.non_essential.model_dump()})


async def opted_out(store: Preferences, out: Outgoing) -> bool:
    """Whether the person turned this message off (never a service message)."""
    if out.message_class == "service" or out.recipient_kind != "person" or out.person_id is None:
        return False
    allowed = await of_person(store, out.person_id)
    return not getattr(allowed, out.channel)
