"""The grant catalogue's rules without I/O (grants/model.py): which entry an application may
be recorded against, the field a refusal names, and how an entry is named in a language."""

import pytest

from hoppid.intake.grants.model import SEED, check_application, name_in, name_key, seed_id
from hoppid.intake.model import RuleViolation

ENTRY = {"_id": "nordveggen.avklaringsmidler", "office_id": "nordveggen", **SEED}


def test_the_clarification_grant_is_every_office_s_first_entry_up_to_30000() -> None:
    assert (SEED["name"], SEED["max_amount_nok"], SEED["active"]) == (
        "Avklaringsmidler",
        30000,
        True,
    )
    assert seed_id("molde") == "molde.avklaringsmidler" != seed_id("nordveggen")


def test_an_amount_up_to_the_maximum_is_taken() -> None:
    assert check_application(ENTRY, "nordveggen", 30000) is ENTRY
    assert check_application({**ENTRY, "max_amount_nok": None}, "nordveggen", 10**9) is not None


@pytest.mark.parametrize(
    ("entry", "office", "amount", "field"),
    [
        (ENTRY, "nordveggen", 30001, "amount_asked_nok"),
        (ENTRY, "molde", 1, "programme_id"),  # another office's
        ({**ENTRY, "active": False}, "nordveggen", 1, "programme_id"),
        (None, "nordveggen", 1, "programme_id"),  # no such entry
    ],
)
def test_a_refusal_names_its_field(
    entry: dict[str, object] | None, office: str, amount: int, field: str
) -> None:
    with pytest.raises(RuleViolation) as refused:
        check_application(entry, office, amount)
    assert refused.value.field == field


def test_names_in_a_language_and_the_same_name_twice() -> None:
    assert name_in(ENTRY, "en") == "Clarification grant"
    assert name_in(ENTRY, "nn") == "Avklaringsmidler"
    assert name_in({**ENTRY, "name_en": None}, "en") == "Avklaringsmidler"
    assert name_key("  AVKLARINGSMIDLER ") == name_key("avklaringsmidler")
    assert name_key("Regionalt   næringsfond") == "regionalt næringsfond"
