"""When reporting's retention pass counts a case as past its period (retention.past)."""

from datetime import UTC, datetime, timedelta
from typing import Any

from hoppid.reporting.retention import Periods, last_change, past

PERIODS = Periods(closed_case=timedelta(days=1095), inactive_case=timedelta(days=730))
OPENED = datetime(2026, 2, 10, 9, tzinfo=UTC)


def case(*changes: tuple[str, datetime], tracked: bool = True, **more: Any) -> dict[str, Any]:
    opened: dict[str, Any] = {"at": OPENED, "person": "p"}  # as read (tz-aware client)
    if tracked:
        opened["tracked"] = True
    recorded = {f"e{n}": {"at": at, "to": to} for n, (to, at) in enumerate(changes)}
    return {"_id": "c", "opened": opened, "changes": recorded, **more}


def test_a_case_left_open_is_past_two_years_after_its_last_change() -> None:
    contacted = OPENED + timedelta(days=40)
    open_case = case(("contacted", contacted))
    assert last_change(open_case) == (contacted, False)
    assert not past(open_case, PERIODS, contacted + timedelta(days=729))
    assert past(open_case, PERIODS, contacted + timedelta(days=730))


def test_a_closed_or_registered_case_is_past_three_years_after_its_last_change() -> None:
    closed_at = OPENED + timedelta(days=100)
    closed = case(("contacted", OPENED + timedelta(days=1)), ("closed", closed_at))
    assert not past(closed, PERIODS, closed_at + timedelta(days=1094))
    assert past(closed, PERIODS, closed_at + timedelta(days=1095))
    registered = case(company={"month": "2026-05"})  # a company: closed, whatever came last
    assert last_change(registered)[1]
    reopened = case(("closed", closed_at), ("in_guidance", closed_at + timedelta(days=1)))
    assert not last_change(reopened)[1]  # its latest change opened it again


def test_a_case_opened_before_changes_were_recorded_is_never_past() -> None:
    assert not past(case(tracked=False), PERIODS, OPENED + timedelta(days=10_000))
    assert not past({"_id": "c", "meetings": {}}, PERIODS, OPENED + timedelta(days=10_000))
