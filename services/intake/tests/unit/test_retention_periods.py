"""Which cases are past their retention period (intake's retention pass erases a person only
when all theirs are): a closed or registered case by the closed period, any other by the
inactive one, both from the case's last change."""

from datetime import UTC, datetime, timedelta

import pytest

from hoppid.intake.retention import Periods, past, periods
from hoppid.intake.settings import IntakeSettings

CHANGED = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
PERIODS = Periods(timedelta(days=1095), timedelta(days=730), timedelta(days=30))


@pytest.mark.parametrize(
    ("status", "days", "expected"),
    [
        ("closed", 1094, False),
        ("closed", 1095, True),
        ("company_registered", 1095, True),
        ("company_registered", 800, False),
        ("new", 729, False),
        ("new", 730, True),
        ("paused", 730, True),
        ("in_guidance", 731, True),
    ],
)
def test_a_case_is_past_its_period(status: str, days: int, expected: bool) -> None:
    case = {"status": status, "updated_at": CHANGED}
    assert past(case, PERIODS, CHANGED + timedelta(days=days)) is expected


def test_the_periods_come_from_the_settings() -> None:
    settings = IntakeSettings(
        HOPPID_INTAKE_RETAIN_CLOSED_CASE_DAYS=10,
        HOPPID_INTAKE_RETAIN_INACTIVE_CASE_DAYS=20,
        HOPPID_INTAKE_RETAIN_CLAIMS_DAYS=3,
    )
    assert periods(settings) == Periods(timedelta(10), timedelta(20), timedelta(3))
    defaults = periods(IntakeSettings())
    assert (defaults.closed_case.days, defaults.inactive_case.days) == (1095, 730)
