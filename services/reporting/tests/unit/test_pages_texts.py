"""The pages' texts exist in every language, numbers are written as each language writes
them, and a chart escapes what it is given."""

from datetime import UTC, datetime

from hoppid.reporting.figures.model import Period
from hoppid.reporting.settings import ReportingSettings
from hoppid.reporting.web import HERE, charts, filters
from hoppid.reporting.web.numbers import shown
from hoppid.shared.web import Pages


def test_every_text_in_nynorsk_and_english() -> None:
    pages = Pages(ReportingSettings(), HERE)
    assert pages.texts.missing("nn") == []
    assert pages.texts.missing("en") == []


def test_numbers_per_language() -> None:
    assert shown(12345, "count", "nb") == "12\u00a0345"
    assert shown(12345, "count", "en") == "12,345"
    assert shown(0.125, "share", "nn") == "12,5\u00a0%"
    assert shown(0.125, "share", "en") == "12.5%"
    assert shown(50000, "nok", "nb") == "50\u00a0000\u00a0kr"
    assert shown(None, "days", "nb") == "\u2013"


def test_a_chart_is_an_image_with_a_title_and_escapes_labels() -> None:
    svg = str(charts.bars("c", "Tittel <b>", [charts.Point("Ålesund & co", 3, "3")]))
    assert svg.startswith('<svg class="chart" role="img" aria-labelledby="c-title"')
    assert '<title id="c-title">Tittel &lt;b&gt;</title>' in svg
    assert "Ålesund &amp; co" in svg and "<b>" not in svg


def test_the_series_shows_twelve_months() -> None:
    now = datetime(2026, 2, 10, tzinfo=UTC)
    assert filters.series_months(Period(""), now) == (Period("2025-03"), Period("2026-02"))
    assert filters.series_months(Period("2026"), now) == (Period("2026-01"), Period("2026-12"))
    assert filters.series_months(Period("2026-11"), now) == (Period("2025-12"), Period("2026-11"))
