"""What a search is, from what staff type: the keys match the ones a case is given."""

import pytest

from hoppid.intake.search import (
    MAX_QUERY,
    QueryRefused,
    key_fingerprint,
    keys_of_person,
    parse_query,
    search_key,
)

SECRET = "a-test-secret-of-at-least-32-characters"
PERSON = {"email": "kari@example.org", "phone": "+4791234567", "name": "Kari Anne-Lise Ødegård"}


def test_a_reference_is_read_however_it_is_typed() -> None:
    for typed in ("HOP-7KX2-9QPM", "hop-7kx2-9qpm", " hop 7KX2 9QPM ", "7kx29qpm"):
        assert parse_query(SECRET, typed).reference == "HOP-7KX2-9QPM", typed
    assert parse_query(SECRET, "HOP-2345-6789").reference == "HOP-2345-6789"
    # eight digits without 0 and 1 could be a reference's letters, but are a phone number
    assert parse_query(SECRET, "987 65 432").kind == "phone"


def test_email_and_phone_keys_are_the_person_s() -> None:
    keys = set(keys_of_person(SECRET, PERSON))
    for typed in ("Kari@Example.org ", "912 34 567", "+47 912 34 567", "0047 91234567"):
        search = parse_query(SECRET, typed)
        assert len(search.keys) == 1 and search.keys[0] in keys, typed
    assert parse_query(SECRET, "kari@example.no").keys[0] not in keys


def test_a_name_is_found_by_its_words_beginnings() -> None:
    keys = set(keys_of_person(SECRET, PERSON))
    for typed in ("kari", "KA", "ødeg", "Anne lise", "lise kari ødegård"):
        assert set(parse_query(SECRET, typed).keys) <= keys, typed
    for typed in ("ari", "karin", "odegard"):
        assert not set(parse_query(SECRET, typed).keys) <= keys, typed
    longest = parse_query(SECRET, "ka ødegå").keys[0]  # the index looks up the longest word
    assert longest == search_key(SECRET, "n", "ødegå")
    pair = parse_query(SECRET, "ødegå kar").keys[0]  # two words of 3 letters: their pair
    assert pair == search_key(SECRET, "w", "kar|øde") and pair in keys
    assert search_key(SECRET, "w", "ann|lis") in keys


def test_no_plain_personal_data_in_the_keys() -> None:
    keys = keys_of_person(SECRET, PERSON)
    assert not any("kari" in k.lower() or "9123" in k for k in keys)
    assert keys != keys_of_person("another-secret-of-at-least-32-characters", PERSON)
    assert keys_of_person(SECRET, {**PERSON, "erased_at": "2026-11-01"}) == []
    assert key_fingerprint(SECRET) != key_fingerprint("another-secret-of-at-least-32-chars")


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("x" * (MAX_QUERY + 1), "long"),
        ("12345", "phone"),
        ("1234 5678", "phone"),
        ("k", "short"),
        ("kari a", "short"),
        ("!!", "short"),
    ],
)
def test_what_is_no_search_is_refused_on_its_field(typed: str, reason: str) -> None:
    with pytest.raises(QueryRefused) as refused:
        parse_query(SECRET, typed)
    assert (refused.value.field, refused.value.reason) == ("q", reason)
