"""intake's domain rules: pure Python, no I/O.

Phone numbers, organisation numbers, the case pipeline, case references, duplicate detection.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

from hoppid.shared.problems import FieldProblem

OSLO = ZoneInfo("Europe/Oslo")

NEEDS = ("guidance", "course", "application_help", "network_introduction", "office_seat")
STAGES = ("idea", "starting", "running")
LANGUAGES = ("nb", "nn", "en")
MEETING_MODES = ("in_person", "digital")
STATUSES = ("new", "contacted", "in_guidance", "company_registered", "paused", "closed")

# Where a case may go from each status. company_registered is reached by recording the company
# (with its organisation number), never by a bare status change.
TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"contacted", "paused", "closed"}),
    "contacted": frozenset({"in_guidance", "paused", "closed"}),
    "in_guidance": frozenset({"paused", "closed"}),
    "paused": frozenset({"contacted", "in_guidance", "closed"}),
    "closed": frozenset({"contacted"}),  # reopened
    "company_registered": frozenset({"closed"}),
}
REASONS_REQUIRED_FOR = frozenset({"paused", "closed"})
REASONS = ("no_response", "not_ready", "not_viable", "moved_away", "other_help", "done", "other")

# The consent text a person agrees to; the version is stored with the consent.
CONSENT_TEXT_VERSION = "2026-11-01"
CONSENT_TEXTS = {
    "nb": "Jeg samtykker i at kontoret behandler opplysningene mine for å gi meg veiledning. "
    "Jeg kan se, rette, laste ned og slette dem når som helst via lenken jeg får på e-post.",
    "nn": "Eg samtykkjer i at kontoret handsamar opplysningane mine for å gje meg rettleiing. "
    "Eg kan sjå, rette, lasta ned og sletta dei når som helst via lenkja eg får på e-post.",
    "en": "I agree that the office processes my data to give me guidance. I can see, correct, "
    "download and erase it at any time through the link I receive by email.",
}


class RuleViolation(FieldProblem):
    """A domain rule refuses the change; ``field`` names what the client should fix (422)."""


def normalise_phone(raw: str) -> str:
    """Norwegian numbers to +47XXXXXXXX; other countries kept in E.164 if given with +."""
    digits = re.sub(r"[\s().-]", "", raw)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("+47"):
        digits = digits[3:]
    elif digits.startswith("+"):
        if not re.fullmatch(r"\+[1-9]\d{6,14}", digits):
            raise RuleViolation("phone", "not a valid international phone number")
        return digits
    elif digits.startswith("47") and len(digits) == 10:
        digits = digits[2:]
    if not re.fullmatch(r"[2-9]\d{7}", digits):
        raise RuleViolation("phone", "a Norwegian phone number has 8 digits, e.g. 912 34 567")
    return "+47" + digits


_ORG_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def valid_org_number(number: str) -> bool:
    """Brønnøysund organisation number: 9 digits, the last a mod-11 check digit."""
    if not re.fullmatch(r"[89]\d{8}", number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:8], _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(number[8])


def normalise_org_number(raw: str) -> str:
    number = re.sub(r"[\s.]", "", raw)
    if not valid_org_number(number):
        raise RuleViolation("org_number", "not a valid organisation number (9 digits, mod 11)")
    return number


def check_transition(current: str, target: str, reason: str | None) -> None:
    if target == "company_registered":
        raise RuleViolation("status", "record the company (with its organisation number) instead")
    if target not in TRANSITIONS.get(current, frozenset()):
        raise RuleViolation("status", f"a case cannot go from {current} to {target}")
    if target in REASONS_REQUIRED_FOR and not reason:
        raise RuleViolation("reason", f"a reason is required to set a case {target}")


def normalise_email(raw: str) -> str:
    return raw.strip().lower()


def case_reference(case_id: str) -> str:
    """A short reference a person can read out on the phone, e.g. HOP-7KX2-9QPM."""
    digest = hashlib.sha256(case_id.encode()).digest()
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
    letters = "".join(alphabet[b % len(alphabet)] for b in digest[:8])
    return f"HOP-{letters[:4]}-{letters[4:]}"


def duplicate_fingerprint(email: str, idea: str, at: datetime) -> str:
    """Same person, same idea, same day (in Oslo): one case, however often it is sent."""
    words = unicodedata.normalize("NFKC", idea).casefold().split()
    day = at.astimezone(OSLO).date().isoformat()
    return hashlib.sha256(
        f"{normalise_email(email)}\n{' '.join(words)}\n{day}".encode()
    ).hexdigest()
