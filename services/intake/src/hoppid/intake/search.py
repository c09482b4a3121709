"""The staff's search: what a case is found by, without its personal data in the index.

A case carries ``search_keys``: keyed hashes (HMAC-SHA256 under a key derived from the
platform secret for this purpose alone, truncated to 128 bits) of

- ``e:<email>``: the person's email as stored (normalised: trimmed, lower case), exact;
- ``p:<phone>``: the phone as stored (E.164, ``+4791234567``), exact, so ``912 34 567``,
  ``+47 91234567`` and ``0047 912 34 567`` all find it;
- ``n:<prefix>``: every beginning of two or more letters (``MAX_PREFIX`` at most) of each word
  of the name, case-folded, so ``ingr`` and ``ingrid`` find Ingrid, ``grid`` does not;
- ``w:<head>|<head>``: each pair of the name's words by their first three letters, so a search
  of two words (``kari hansen``, ``kar hans``) looks up the few cases holding both instead of
  the hundreds holding the longer one (the store cannot intersect two keys through its
  indexes: FerretDB scans the office's cases for ``$all``).

The index ``(office_id, search_keys)`` serves an equality on one key, so a search reads only
the office's matching cases. A copy of the store shows which cases share a key, not what the key
stands for (short name prefixes can be guessed by trying: the index protects emails and phones
better than names). Case references are not personal data: they are looked up as they are.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from hoppid.intake.model import RuleViolation, normalise_email, normalise_phone
from hoppid.shared.signing_keys import derived_key

PURPOSE = "intake-search-keys"  # the HKDF label: this key signs and opens nothing else
MIN_PREFIX, MAX_PREFIX = 2, 20
HEAD = 3  # letters of a word in the pair keys
MAX_QUERY = 100  # characters a search may have
_WORDS = re.compile(r"[^\W\d_]+")  # runs of letters: "Anne-Lise O'Neil" -> anne, lise, o, neil
_REFERENCE = re.compile(r"^(?:HOP)?([2-9A-HJ-NP-Z]{4})([2-9A-HJ-NP-Z]{4})$")
_PHONE = re.compile(r"^[+\d\s().-]+$")

Kind = Literal["reference", "email", "phone", "name"]


def search_key(secret: str, kind: str, value: str) -> str:
    digest = hmac.new(derived_key(secret, PURPOSE), f"{kind}:{value}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:16]).decode().rstrip("=")


def key_fingerprint(secret: str) -> str:
    """Which key made the stored search keys (a new platform secret makes them again)."""
    return search_key(secret, "fingerprint", "")


def name_words(name: str) -> list[str]:
    folded = unicodedata.normalize("NFC", name).casefold()
    return _WORDS.findall(folded)


def keys_of_person(secret: str, person: Mapping[str, Any]) -> list[str]:
    """The search keys of a person's cases (none once the person is erased)."""
    if person.get("erased_at"):
        return []
    plain: set[str] = set()
    if person.get("email"):
        plain.add(f"e:{person['email']}")
    if person.get("phone"):
        plain.add(f"p:{person['phone']}")
    words = name_words(person.get("name") or "")
    for word in words:
        for end in range(MIN_PREFIX, min(len(word), MAX_PREFIX) + 1):
            plain.add(f"n:{word[:end]}")
    plain.update(f"w:{a}|{b}" for a, b in _pairs(words))
    return sorted(search_key(secret, *item.split(":", 1)) for item in plain)


class QueryRefused(RuleViolation):
    """The search cannot be run; ``reason`` (empty, long, phone, short) says why."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__("q", message)
        self.reason = reason


@dataclass(frozen=True)
class Search:
    """A query as the store runs it: a reference, or search keys that must all be present
    (the first, the most selective, is the one the index looks up)."""

    kind: Kind
    reference: str | None = None
    keys: tuple[str, ...] = ()


def parse_query(secret: str, query: str) -> Search:
    """What a staff member typed, as a search; RuleViolation on ``q`` when it cannot be one."""
    text = " ".join(query.split())
    if not text:
        raise QueryRefused("empty", "type a case reference, a name, an email or a phone number")
    if len(text) > MAX_QUERY:
        raise QueryRefused("long", f"at most {MAX_QUERY} characters")
    compact = re.sub(r"[\s-]", "", text).upper()
    # a reference has a letter (HOP at least): 8 digits without 0 and 1 are a phone number
    if (found := _REFERENCE.match(compact)) and not compact.isdigit():
        return Search("reference", reference=f"HOP-{found[1]}-{found[2]}")
    if "@" in text:
        return Search("email", keys=(search_key(secret, "e", normalise_email(text)),))
    if _PHONE.match(text) and sum(c.isdigit() for c in text) >= 5:
        try:
            phone = normalise_phone(text)
        except RuleViolation:
            raise QueryRefused("phone", "not a phone number: 8 digits, e.g. 912 34 567") from None
        return Search("phone", keys=(search_key(secret, "p", phone),))
    words = [w[:MAX_PREFIX] for w in name_words(text)]
    if not words or any(len(w) < MIN_PREFIX for w in words):
        raise QueryRefused("short", f"each word of a name needs {MIN_PREFIX} letters at least")
    longest_first = sorted(set(words), key=len, reverse=True)
    keys = [search_key(secret, "n", w) for w in longest_first]
    if len(longest_first) > 1 and len(longest_first[1]) >= HEAD:
        # the two longest words' heads: the pair key of every name holding both words
        a, b = sorted(w[:HEAD] for w in longest_first[:2])
        keys.insert(0, search_key(secret, "w", f"{a}|{b}"))
    return Search("name", keys=tuple(keys))


def _pairs(words: list[str]) -> set[tuple[str, str]]:
    heads = [w[:HEAD] for w in words]
    return {(min(a, b), max(a, b)) for i, a in enumerate(heads) for b in heads[i + 1 :]}
