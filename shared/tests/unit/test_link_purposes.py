"""A link opens what its purpose allows: the footer's preferences link opens nothing else."""

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from hoppid.shared.links import (
    MANAGE,
    PREFERENCES,
    narrowed_link,
    sign_link,
    verify_link,
)
from hoppid.shared.signing_keys import LINKS, derived_key

SECRET = "s" * 32
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_the_full_link_opens_every_purpose_and_the_preferences_link_only_its_own() -> None:
    full = sign_link(SECRET, "person-1", 3, NOW, days=90)
    assert verify_link(SECRET, full, NOW) is not None
    assert verify_link(SECRET, full, NOW, PREFERENCES) is not None

    footer = narrowed_link(SECRET, full, NOW, PREFERENCES)
    assert footer is not None and footer != full
    claims = verify_link(SECRET, footer, NOW, PREFERENCES)
    assert claims is not None
    assert (claims.person_id, claims.epoch, claims.purpose) == ("person-1", 3, PREFERENCES)
    assert claims.expires == verify_link(SECRET, full, NOW).expires  # type: ignore[union-attr]
    assert verify_link(SECRET, footer, NOW) is None  # not for the case, export or erasure
    assert verify_link(SECRET, footer, NOW, MANAGE) is None
    assert narrowed_link(SECRET, footer, NOW, MANAGE) is None  # cannot be widened again


def test_a_narrowed_link_expires_with_the_link_it_came_from() -> None:
    full = sign_link(SECRET, "person-1", 0, NOW, days=1)
    footer = narrowed_link(SECRET, full, NOW, PREFERENCES)
    assert footer is not None
    later = NOW + timedelta(days=2)
    assert verify_link(SECRET, footer, later, PREFERENCES) is None
    assert narrowed_link(SECRET, full, later, PREFERENCES) is None
    assert narrowed_link(SECRET, "not-a-token", NOW, PREFERENCES) is None


def _signed(payload: str) -> str:
    signature = hmac.new(derived_key(SECRET, LINKS), payload.encode(), hashlib.sha256).digest()
    raw = payload.encode() + b"." + base64.urlsafe_b64encode(signature).rstrip(b"=")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_links_signed_before_purposes_open_everything_and_unknown_purposes_nothing() -> None:
    expires = int((NOW + timedelta(days=5)).timestamp())
    old = _signed(f"person-1.0.{expires}")  # as links were signed before they had a purpose
    assert verify_link(SECRET, old, NOW) is not None
    assert verify_link(SECRET, _signed(f"person-1.0.{expires}.admin"), NOW) is None
    # the purpose is signed: the footer's link with its purpose cut off does not verify
    footer = narrowed_link(SECRET, sign_link(SECRET, "person-1", 0, NOW, 5), NOW, PREFERENCES)
    assert footer is not None
    raw = base64.urlsafe_b64decode(footer + "=" * (-len(footer) % 4)).decode()
    person, epoch, exp, _purpose, signature = raw.split(".")
    cut = base64.urlsafe_b64encode(f"{person}.{epoch}.{exp}.{signature}".encode()).decode()
    assert verify_link(SECRET, cut.rstrip("="), NOW) is None


def test_signing_for_an_unknown_purpose_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="purpose"):
        sign_link(SECRET, "person-1", 0, NOW, 1, purpose="everything")
