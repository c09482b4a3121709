from datetime import UTC, datetime

import pytest

from hoppid.intake.model import (
    RuleViolation,
    case_reference,
    check_transition,
    duplicate_fingerprint,
    normalise_org_number,
    normalise_phone,
    valid_org_number,
)
from hoppid.shared.links import sign_link, verify_link

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("912 34 567", "+4791234567"),
        ("+47 912 34 567", "+4791234567"),
        ("0047-91234567", "+4791234567"),
        ("4791234567", "+4791234567"),
        ("(71) 23 45 67", "+4771234567"),
        ("+46 70 123 45 67", "+46701234567"),
    ],
)
def test_phone_numbers_are_normalised(raw: str, normalised: str) -> None:
    assert normalise_phone(raw) == normalised


@pytest.mark.parametrize("raw", ["123", "1234567890", "01234567", "+0123", "phone"])
def test_bad_phone_numbers_name_the_field(raw: str) -> None:
    with pytest.raises(RuleViolation) as raised:
        normalise_phone(raw)
    assert raised.value.field == "phone"


def test_org_numbers_use_the_mod_11_check_digit() -> None:
    assert valid_org_number("923609016")  # a real one
    assert not valid_org_number("923609017")
    assert not valid_org_number("12345678")
    assert not valid_org_number("723609016")  # must start with 8 or 9
    assert normalise_org_number("923 609 016") == "923609016"
    with pytest.raises(RuleViolation):
        normalise_org_number("923.609.01x")


def test_pipeline_moves_only_by_its_steps_and_asks_reasons() -> None:
    check_transition("new", "contacted", None)
    check_transition("in_guidance", "closed", "not_viable")
    check_transition("closed", "contacted", None)  # reopened
    for current, target, reason in [
        ("new", "in_guidance", None),
        ("contacted", "company_registered", None),
        ("company_registered", "new", None),
    ]:
        with pytest.raises(RuleViolation):
            check_transition(current, target, reason)
    with pytest.raises(RuleViolation) as raised:
        check_transition("contacted", "paused", None)
    assert raised.value.field == "reason"


def test_same_person_same_idea_same_oslo_day_is_one_fingerprint() -> None:
    late_evening = datetime(2026, 11, 28, 22, 30, tzinfo=UTC)  # 23:30 in Oslo, same day
    next_day = datetime(2026, 11, 28, 23, 30, tzinfo=UTC)  # 00:30 in Oslo: the next day
    base = duplicate_fingerprint("Kari@Example.no", "A  Bakery", NOW)
    assert duplicate_fingerprint("kari@example.no", "a bakery", late_evening) == base
    assert duplicate_fingerprint("kari@example.no", "a bakery", next_day) != base
    assert duplicate_fingerprint("kari@example.no", "a brewery", NOW) != base


def test_references_are_short_and_stable() -> None:
    assert case_reference("case-1") == case_reference("case-1")
    assert case_reference("case-1") != case_reference("case-2")
    assert len(case_reference("x")) == len("HOP-ABCD-EFGH")


def test_links_verify_expire_and_refuse_tampering() -> None:
    token = sign_link("s" * 32, "person-1", 0, NOW, days=1)
    claims = verify_link("s" * 32, token, NOW)
    assert claims is not None
    assert (claims.person_id, claims.epoch) == ("person-1", 0)
    assert verify_link("t" * 32, token, NOW) is None  # another secret
    assert verify_link("s" * 32, token, datetime(2026, 11, 30, tzinfo=UTC)) is None  # expired
    assert verify_link("s" * 32, token[:-2] + "xx", NOW) is None
    assert "person-1" not in token  # opaque (base64), though not secret
