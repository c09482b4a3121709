import base64
import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from hoppid.shared.links import sign_link, verify_link
from hoppid.shared.settings import ServiceSettings, SettingsError
from hoppid.shared.signing_keys import CSRF, LINKS, SESSIONS, check_secret, derived_key
from hoppid.shared.web import csrf, session

SECRET = "a-random-enough-secret-for-these-unit-tests-0123456789"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_each_purpose_has_its_own_key() -> None:
    keys = {derived_key(SECRET, purpose) for purpose in (LINKS, SESSIONS, CSRF)}
    assert len(keys) == 3
    assert all(len(key) == 32 and SECRET.encode() not in key for key in keys)
    assert derived_key(SECRET, LINKS) != derived_key(SECRET + "x", LINKS)


def test_nothing_is_signed_with_the_secret_itself() -> None:
    # a link made by someone who signs with the raw secret (as before) is refused
    payload = "person-1.0.1893456000"
    raw_signature = hmac.new(SECRET.encode(), payload.encode(), hashlib.sha256).digest()
    forged = base64.urlsafe_b64encode(
        payload.encode() + b"." + base64.urlsafe_b64encode(raw_signature).rstrip(b"=")
    ).decode()
    assert verify_link(SECRET, forged.rstrip("="), NOW) is None
    assert verify_link(SECRET, sign_link(SECRET, "person-1", 0, NOW, 30), NOW) is not None
    # and a session's signature is not a CSRF token of the same value
    cookie = session.sign_session(SECRET, "session-1", NOW, 8)
    body, signature = cookie.rsplit(".", 1)
    assert csrf.form_token(SECRET, body) != signature


@pytest.mark.parametrize(
    "value",
    [
        "development-only-link-secret-change-me",
        "set-me",
        "please-change-me-before-production!!",
        "short",
    ],
)
def test_placeholders_and_short_secrets_are_refused(value: str) -> None:
    with pytest.raises(ValueError):
        check_secret(value)
    with pytest.raises(ValueError, match="link_secret"):
        ServiceSettings(link_secret=value)  # type: ignore[arg-type]


def test_a_missing_secret_stops_a_service_but_not_settings_built_in_code() -> None:
    settings = ServiceSettings()
    with pytest.raises(SettingsError, match="HOPPID_LINK_SECRET: is not set"):
        settings.require_link_secret()
    ServiceSettings(link_secret=SECRET).require_link_secret()  # type: ignore[arg-type]
