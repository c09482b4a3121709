"""Every text of intake's pages exists in nynorsk and English, and the templates render."""

from hoppid.intake.settings import IntakeSettings
from hoppid.intake.web import build_pages


def test_every_page_text_is_in_nynorsk_and_english() -> None:
    pages = build_pages(IntakeSettings(), None)
    assert pages.texts.missing("nn") == []
    assert pages.texts.missing("en") == []
