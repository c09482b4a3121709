"""scheduling's page texts exist in every language, and times read as Oslo wall-clock time."""

from datetime import UTC, date, datetime

import pytest

from hoppid.scheduling.settings import SchedulingSettings
from hoppid.scheduling.web import routes, views
from hoppid.shared.web import Pages


@pytest.mark.parametrize("lang", ["nn", "en"])
def test_every_text_is_in_nynorsk_and_english(lang: str) -> None:
    pages = Pages(SchedulingSettings(), routes.WEB)
    assert pages.texts.missing(lang) == []


def test_days_and_times_are_shown_in_oslo_time_in_the_page_language() -> None:
    winter = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # 09:00 in Oslo (CET)
    summer = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # 10:00 in Oslo (CEST)
    assert views.clock(winter) == "09:00" and views.clock(summer) == "10:00"
    assert views.day_text(date(2026, 12, 1), "nb") == "tirsdag 1. desember"
    assert views.day_text(date(2026, 12, 1), "nn") == "tysdag 1. desember"
    assert views.day_text(date(2026, 12, 1), "en") == "Tuesday 1 December"
