import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from hoppid.shared.envelope import Envelope, EnvelopeError


def sample() -> Envelope:
    return Envelope(
        type="no.hoppid.intake.case.opened.v1",
        source="/hoppid/intake",
        subject="case-1",
        office="nordveggen",
        municipality="1539",
        data={"need": "guidance", "name": "Åse Ødegård"},
        time=datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
    )


def as_record(envelope: Envelope) -> list[tuple[str, bytes]]:
    return [(name, value.encode()) for name, value in envelope.headers().items()]


def test_binary_mode_headers_carry_every_attribute() -> None:
    headers = sample().headers()
    assert headers == {
        "ce_id": headers["ce_id"],
        "ce_type": "no.hoppid.intake.case.opened.v1",
        "ce_source": "/hoppid/intake",
        "ce_specversion": "1.0",
        "ce_time": "2026-03-29T00:30:00Z",
        "ce_subject": "case-1",
        "content-type": "application/json",
        "ce_office": "nordveggen",
        "ce_municipality": "1539",
    }
    assert len(headers["ce_id"]) == 36


def test_key_is_subject_and_value_is_utf8_json() -> None:
    envelope = sample()
    assert envelope.key() == b"case-1"
    assert json.loads(envelope.value().decode()) == {"need": "guidance", "name": "Åse Ødegård"}
    assert "Ø".encode() in envelope.value()  # Norwegian letters intact, not \u escapes


def test_round_trip_through_kafka_shape() -> None:
    envelope = sample()
    assert Envelope.from_kafka(as_record(envelope), envelope.value()) == envelope


def test_time_in_other_zone_is_written_as_utc() -> None:
    oslo_summer = timezone(timedelta(hours=2))
    envelope = Envelope(
        type="t",
        source="s",
        subject="x",
        data={},
        time=datetime(2026, 6, 1, 12, 0, tzinfo=oslo_summer),
    )
    assert envelope.headers()["ce_time"] == "2026-06-01T10:00:00Z"


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        Envelope(type="t", source="s", subject="x", data={}, time=datetime(2026, 1, 1)).headers()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda h: [x for x in h if x[0] != "ce_type"], "missing CloudEvents headers: ce_type"),
        (lambda h: [x for x in h if x[0] != "ce_id"], "ce_id"),
        (lambda h: [(n, b"0.3" if n == "ce_specversion" else v) for n, v in h], "specversion"),
        (lambda h: [(n, b"yesterday" if n == "ce_time" else v) for n, v in h], "RFC 3339"),
        (lambda h: [(n, b"\xff" if n == "ce_subject" else v) for n, v in h], "UTF-8"),
    ],
)
def test_bad_headers_are_poison(mutate, message) -> None:  # type: ignore[no-untyped-def]
    envelope = sample()
    with pytest.raises(EnvelopeError, match=message):
        Envelope.from_kafka(mutate(as_record(envelope)), envelope.value())


@pytest.mark.parametrize("value", [b"{not json", b"[1, 2]", b"", None, b"\xff\xfe"])
def test_bad_value_is_poison(value: bytes | None) -> None:
    with pytest.raises(EnvelopeError):
        Envelope.from_kafka(as_record(sample()), value)


def test_document_round_trip() -> None:
    envelope = sample()
    assert Envelope.from_document(envelope.to_document()) == envelope
