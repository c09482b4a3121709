from typing import ClassVar

import pytest
from pydantic import Field

from hoppid.shared.envelope import Envelope, EnvelopeError
from hoppid.shared.events import Event, EventCatalogue, UnknownEventType, event_type_name, pii_field
from hoppid.shared.events.base import expected


class InquiryReceived(Event):
    """Someone asked an office for help."""

    event_type: ClassVar[str] = "no.hoppid.test.inquiry.received.v1"
    case_id: str = Field(description="The case")
    email: str | None = pii_field("Where to answer", default=None)
    phone: str | None = pii_field("Optional phone", default=None)


def test_type_names_follow_the_convention() -> None:
    assert event_type_name("intake", "inquiry", "received", 1) == (
        "no.hoppid.intake.inquiry.received.v1"
    )
    for bad in [("Intake", "x", "y", 1), ("intake", "case", "opened", 0), ("in-take", "a", "b", 2)]:
        with pytest.raises(ValueError, match="not a valid"):
            event_type_name(*bad)


def test_pii_fields_are_found_and_left_out_of_public_data() -> None:
    event = InquiryReceived(case_id="c1", email="a@b.no", phone="+4790000000")
    assert InquiryReceived.pii_fields() == {"email", "phone"}
    assert event.public_data() == {"case_id": "c1"}
    schema = InquiryReceived.model_json_schema()
    assert schema["properties"]["email"]["pii"] is True
    assert "pii" not in schema["properties"]["case_id"]


def test_events_are_frozen_and_tolerate_unknown_fields() -> None:
    event = InquiryReceived.model_validate({"case_id": "c1", "email": "a@b.no", "later": 1})
    with pytest.raises(ValueError):
        event.case_id = "other"  # type: ignore[misc]


def test_catalogue_parses_envelopes_and_refuses_unknown_or_invalid() -> None:
    catalogue = EventCatalogue()
    catalogue.register(InquiryReceived)
    event = InquiryReceived(case_id="c1", email="a@b.no")
    envelope = event.to_envelope(source="/test", subject="c1", office="nordveggen")
    assert catalogue.parse(envelope) == event
    with pytest.raises(UnknownEventType):
        catalogue.parse(
            Envelope(type="no.hoppid.test.other.thing.v1", source="s", subject="x", data={})
        )
    with pytest.raises(EnvelopeError, match="invalid data"):
        catalogue.parse(
            Envelope(
                type=InquiryReceived.event_type, source="s", subject="x", data={"email": "a@b.no"}
            )
        )


def test_catalogue_refuses_undocumented_fields_and_bad_names() -> None:
    class Undocumented(Event):
        event_type: ClassVar[str] = "no.hoppid.test.thing.happened.v1"
        value: int

    class BadName(Event):
        event_type: ClassVar[str] = "hoppid.thing"

    class UnerasablePii(Event):
        event_type: ClassVar[str] = "no.hoppid.test.thing.kept.v1"
        email: str = pii_field("Required personal data cannot be erased to None")

    catalogue = EventCatalogue()
    with pytest.raises(ValueError, match="without description"):
        catalogue.register(Undocumented)
    with pytest.raises(ValueError, match="not a valid"):
        catalogue.register(BadName)
    with pytest.raises(ValueError, match="personal fields must be optional"):
        catalogue.register(UnerasablePii)


def test_an_invalid_event_s_error_names_fields_never_their_values() -> None:
    """The error goes to the dead-letter headers and the logs, and the data may be a person's,
    unsealed just before: it says where and what, not the value."""
    catalogue = EventCatalogue()
    catalogue.register(InquiryReceived)
    data = {"case_id": ["Kari Nordmann"], "email": {"kari.nordmann@example.no": 1}}
    with pytest.raises(EnvelopeError) as raised:
        catalogue.parse(
            Envelope(type=InquiryReceived.event_type, source="s", subject="x", data=data)
        )
    message = str(raised.value)
    assert "case_id" in message and "email" in message
    assert "Kari" not in message and "kari.nordmann" not in message
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_a_handler_gets_its_own_model_or_a_named_error() -> None:
    event = InquiryReceived(case_id="c1")
    assert expected(event, InquiryReceived) is event

    class Other(Event):
        event_type: ClassVar[str] = "no.hoppid.test.other.happened.v1"

    with pytest.raises(TypeError, match=r"a handler of no\.hoppid\.test\.other\.happened\.v1 was"):
        expected(event, Other)
