"""The catalogue's rules without I/O: the entry every office starts with, how an entry is
named in a language, and whether an application's amount fits the entry."""

from __future__ import annotations

from typing import Any

from hoppid.intake.model import RuleViolation

Document = dict[str, Any]

# the municipal clarification grant, up to NOK 30,000 per idea: every office's first entry
SEED_KEY = "avklaringsmidler"
SEED = {
    "name": "Avklaringsmidler",
    "name_en": "Clarification grant",
    "granted_by": "Kommunen",
    "max_amount_nok": 30_000,
    "active": True,
}


def seed_id(office_id: str) -> str:
    """The seeded entry's id: the same for every read, so seeding twice makes one entry."""
    return f"{office_id}.{SEED_KEY}"


def name_key(name: str) -> str:
    """What makes two names the same entry in one office (case and spacing aside)."""
    return " ".join(name.casefold().split())


def name_in(entry: Document, language: str) -> str:
    """The entry's name in the page's language: the English name in English when it has one."""
    english = entry.get("name_en")
    return str(english) if language == "en" and english else str(entry["name"])


def check_application(entry: Document | None, office_id: str, amount_nok: int) -> Document:
    """The entry an application of ``office_id`` may be recorded against, else a refusal
    naming the field: the programme (another office's, unknown or inactive) or the amount."""
    if entry is None or entry.get("office_id") != office_id:
        raise RuleViolation("programme_id", "not a grant programme of this office")
    if not entry.get("active"):
        raise RuleViolation("programme_id", "the grant programme is no longer active")
    most = entry.get("max_amount_nok")
    if most is not None and amount_nok > most:
        raise RuleViolation("amount_asked_nok", f"the programme grants at most NOK {most}")
    return entry
