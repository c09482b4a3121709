"""What the dead-letter command shows of a record: personal values never, ids and errors safely."""

import json
from typing import ClassVar

from pydantic import Field

from hoppid.shared.dlq import DeadLetter, hidden_data, parse_positions, safe_error
from hoppid.shared.events import Event, EventCatalogue, pii_field


class Registered(Event):
    """A test event with a personal field."""

    event_type: ClassVar[str] = "no.hoppid.test.person.registered.v1"
    case_id: str = Field(description="The case")
    name: str | None = pii_field("The person's name", default=None)
    email: str | None = pii_field("The person's address", default=None)


def letter(event_type: str, value: bytes) -> DeadLetter:
    headers = (("ce_type", event_type.encode()), ("hoppid_dlq_partition", b"2"))
    return DeadLetter("t.dlq", 0, 7, b"case-1", value, headers)


def test_personal_and_sealed_values_are_hidden_the_rest_shown() -> None:
    catalogue = EventCatalogue()
    catalogue.register(Registered)
    data = {"case_id": "case-1", "name": "Kari", "email": {"sealed": "x", "person": "p"}}
    shown = hidden_data(letter(Registered.event_type, json.dumps(data).encode()), catalogue)
    assert shown == {"case_id": "case-1", "name": "[personal]", "email": "[sealed]"}

    unknown = hidden_data(letter("no.hoppid.test.other.thing.v1", b'{"a": "Kari"}'), catalogue)
    assert unknown == {"a": "[hidden: type not in the catalogue]"}
    assert hidden_data(letter(Registered.event_type, b"Kari"), catalogue) == "[not JSON, 4 bytes]"


def test_origin_and_positions() -> None:
    dead = letter(Registered.event_type, b"{}")
    assert (dead.origin_topic, dead.origin_partition, dead.origin_offset) == ("t", 2, None)
    assert dead.origin == ""  # an unknown origin is never taken for another's
    assert parse_positions("0:12, 3:4-6") == {(0, 12), (3, 4), (3, 5), (3, 6)}
    for bad in ("12", "a:1", "0:x", "0:1-y", "0:9-3", "0:0-1000000"):
        try:
            parse_positions(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} accepted")


def test_pydantic_input_values_are_cut_from_errors() -> None:
    error = "email\n  bad [type=value_error, input_value='kari@x.no', input_type=str]\nname\n"
    error += "  short [type=too_short, input_value={'n': 'Kari\\nN'}, input_type=dict]"
    assert "ari" not in safe_error(error)
    assert safe_error(error).count("input_value=[hidden], input_type=") == 2
