import pytest
from cryptography.exceptions import InvalidTag

from hoppid.shared.pii import decrypt_field, encrypt_field

KEY = bytes(range(32))


def test_a_field_round_trips_and_is_not_readable_on_the_wire() -> None:
    sealed = encrypt_field(KEY, "Åse Ødegård", "type|name|p1")
    assert "Åse" not in sealed
    assert decrypt_field(KEY, sealed, "type|name|p1") == "Åse Ødegård"
    assert encrypt_field(KEY, "x", "c") != encrypt_field(KEY, "x", "c")  # a fresh nonce each time


def test_a_sealed_field_is_bound_to_its_key_and_context() -> None:
    sealed = encrypt_field(KEY, "kari@example.no", "type|email|p1")
    with pytest.raises(InvalidTag):
        decrypt_field(bytes(32), sealed, "type|email|p1")
    with pytest.raises(InvalidTag):  # moved to another person's event: refused
        decrypt_field(KEY, sealed, "type|email|p2")
