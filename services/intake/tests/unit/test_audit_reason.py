"""An export's reason goes on the audit log, so it may not bring a person's contact details in:
no email address, no phone number (however typed), not the person's name."""

from datetime import UTC, datetime

import pytest

from hoppid.intake.audit.pages import MOST_PAGE, page_number
from hoppid.intake.audit.trail import checked_reason, entry, the_person
from hoppid.intake.model import RuleViolation

KARI = {"name": "Kari Nordmann", "email": "kari@example.no", "phone": "+4791234567"}


@pytest.mark.parametrize(
    "reason",
    [
        None,
        "",
        "  ",
        "ok",
        "x" * 501,
        "asked by kari@example.no",
        "someone@else.no asked",
        "call 912 34 567",
        "call +47 91234567",
        "ring 99 88 77 66",
        "kari nordmann asked",
        "For KARI NORDMANN",
    ],
)
def test_a_reason_holding_contact_details_or_nothing_is_refused(reason: str | None) -> None:
    with pytest.raises(RuleViolation) as refused:
        checked_reason(reason, KARI)
    assert refused.value.field == "reason"


def test_a_plain_reason_is_kept_as_typed() -> None:
    typed = "  The person asked for a copy by phone, case of 2026 "
    assert checked_reason(typed, KARI) == typed.strip()
    assert checked_reason("Per request of the funder", {"name": None}) == (
        "Per request of the funder"
    )


def test_an_entry_holds_ids_and_references_only() -> None:
    case = {"_id": "c1", "reference": "HOP-2345-6789", "person_id": "p1", "idea": "secret"}
    at = datetime(2026, 12, 1, 9, tzinfo=UTC)
    made = entry(at, "nordveggen", "erasure", "link", the_person("p1"), [case])
    assert made["case_ids"] == ["c1"] and made["case_references"] == ["HOP-2345-6789"]
    assert made["person_ids"] == ["p1"] and "secret" not in str(made)
    assert made["actor"] == {"kind": "person", "id": "p1", "name": None}


def test_a_page_number_is_a_small_whole_number() -> None:
    assert page_number(None) == 1 and page_number("") == 1 and page_number("3") == 3
    assert page_number(str(MOST_PAGE)) == MOST_PAGE
    for typed in ("0", "-1", "x", "²", "1.5", "9" * 5000, str(MOST_PAGE + 1)):
        assert page_number(typed) is None, typed[:10]
