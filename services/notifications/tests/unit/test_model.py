from datetime import UTC, datetime

import pytest

from hoppid.notifications.delivery.rules import (
    RejectedError,
    TransientSendError,
    in_quiet_hours,
    retry_delay,
    sendable_at,
    sms_sendable_at,
    smtp_reply_error,
)
from hoppid.notifications.model import delivery_id

# its outcome could depend on the hour, weekday or DST: scripts/time_of_day.sh
pytestmark = pytest.mark.time_of_day


def test_delivery_id_is_one_per_event_channel_and_recipient() -> None:
    one = delivery_id("event-1", "email", "person", "p1")
    assert one == delivery_id("event-1", "email", "person", "p1")
    others = {
        delivery_id("event-2", "email", "person", "p1"),
        delivery_id("event-1", "sms", "person", "p1"),
        delivery_id("event-1", "email", "person", "p2"),
        delivery_id("event-1", "email", "office", "p1"),
    }
    assert one not in others and len(others) == 4


@pytest.mark.parametrize(
    ("utc", "quiet"),
    [
        ("2026-11-28T20:59:00", False),  # 21:59 in Oslo (winter, UTC+1)
        ("2026-11-28T21:00:00", True),  # 22:00
        ("2026-11-29T06:59:00", True),  # 07:59
        ("2026-11-29T07:00:00", False),  # 08:00
        ("2026-07-01T20:30:00", True),  # 22:30 in summer (UTC+2)
        ("2026-07-01T06:30:00", False),  # 08:30 in summer
    ],
)
def test_quiet_hours_are_oslo_time(utc: str, quiet: bool) -> None:
    at = datetime.fromisoformat(utc).replace(tzinfo=UTC)
    assert in_quiet_hours(at, 22, 8) is quiet


def test_sms_in_the_night_waits_until_eight_in_oslo() -> None:
    evening = datetime(2026, 11, 28, 22, 30, tzinfo=UTC)  # 23:30 Oslo
    assert sms_sendable_at(evening, 22, 8) == datetime(2026, 11, 29, 7, 0, tzinfo=UTC)
    early = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)  # 04:00 Oslo, same morning
    assert sms_sendable_at(early, 22, 8) == datetime(2026, 11, 29, 7, 0, tzinfo=UTC)
    day = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    assert sms_sendable_at(day, 22, 8) == day


def test_the_night_the_clocks_go_back_still_ends_at_eight_local() -> None:
    night = datetime(2026, 10, 24, 22, 0, tzinfo=UTC)  # 00:00 Oslo summer time, 25 Oct
    assert sms_sendable_at(night, 22, 8) == datetime(2026, 10, 25, 7, 0, tzinfo=UTC)  # 08 CET


def test_mail_is_never_held_and_equal_hours_mean_no_quiet() -> None:
    night = datetime(2026, 11, 28, 23, 0, tzinfo=UTC)
    assert sendable_at("email", night, 22, 8) == night
    assert in_quiet_hours(night, 0, 0) is False


def test_retry_delay_doubles_and_is_capped() -> None:
    assert [retry_delay(n, 30) for n in (1, 2, 3)] == [30, 60, 120]
    assert retry_delay(40, 30) == 6 * 3600


def test_smtp_replies_are_classified() -> None:
    assert isinstance(smtp_reply_error(451, "rcpt"), TransientSendError)
    assert isinstance(smtp_reply_error(550, "rcpt"), RejectedError)
    assert smtp_reply_error(421, "data").code == "data_421"
