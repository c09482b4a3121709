import json
import logging
import sys

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


def test_tokens_of_personal_and_feed_links_never_reach_a_log_line() -> None:
    formatter = JsonFormatter("scheduling")
    # as uvicorn's access logger passes it: client, method, path with query, version, status
    access = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/pages/me/v1.aGVp.c2ln-_x/meetings?done=booked", "1.1", 200),
        None,
    )
    line = formatter.format(access)
    assert "aGVp" not in line
    assert "/pages/me/[redacted]/meetings?done=booked" in json.loads(line)["message"]

    feed = logging.LogRecord("hoppid.x", logging.WARNING, __file__, 1, "feed %s", ("x",), None)
    feed.url = "https://hoppid.example/v1/calendars/Zm9vYmFy.ics"
    try:
        raise ValueError("no person for /v1/me/c2VjcmV0 here")
    except ValueError:
        feed.exc_info = sys.exc_info()
    entry = json.loads(formatter.format(feed))
    assert entry["url"] == "https://hoppid.example/v1/calendars/[redacted]"
    assert "c2VjcmV0" not in entry["error"] and "/v1/me/[redacted]" in entry["error"]
