from datetime import UTC, datetime, timedelta, timezone

from hoppid.shared.calendar import oslo_time, utc_stamp
from hoppid.shared.clock import as_utc


def test_an_event_time_without_a_zone_is_read_as_utc_and_an_aware_one_kept() -> None:
    assert as_utc(datetime(2026, 12, 2, 8)) == datetime(2026, 12, 2, 8, tzinfo=UTC)
    oslo_summer = datetime(2026, 6, 1, 9, tzinfo=timezone(timedelta(hours=2)))
    assert as_utc(oslo_summer) is oslo_summer  # the same instant, its zone kept


def test_calendar_lines_read_a_time_without_a_zone_as_utc() -> None:
    naive, aware = datetime(2026, 12, 2, 8), datetime(2026, 12, 2, 8, tzinfo=UTC)
    assert utc_stamp(naive) == utc_stamp(aware) == "20261202T080000Z"
    assert oslo_time("DTSTART", naive) == "DTSTART;TZID=Europe/Oslo:20261202T090000"
