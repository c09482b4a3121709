import json
import logging

from hoppid.shared.logs import JsonFormatter, correlation_id


def test_one_json_line_with_correlation_id_and_extras() -> None:
    formatter = JsonFormatter("intake")
    record = logging.LogRecord("hoppid.x", logging.INFO, __file__, 1, "handled %s", ("e",), None)
    record.event_type = "no.hoppid.intake.case.opened.v1"
    token = correlation_id.set("event-123")
    try:
        line = formatter.format(record)
    finally:
        correlation_id.reset(token)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "handled e"
    assert entry["service"] == "intake"
    assert entry["correlation_id"] == "event-123"
    assert entry["event_type"] == "no.hoppid.intake.case.opened.v1"
    assert entry["level"] == "INFO"
