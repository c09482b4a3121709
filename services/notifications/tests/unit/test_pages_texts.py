"""The pages' texts exist in every language."""

from hoppid.notifications.delivery.mailbox.pages import _oslo, _paragraphs
from hoppid.notifications.settings import NotificationsSettings
from hoppid.notifications.web import HERE
from hoppid.shared.web import Pages


def test_every_text_in_nynorsk_and_english() -> None:
    pages = Pages(NotificationsSettings(), HERE)
    assert pages.texts.missing("nn") == []
    assert pages.texts.missing("en") == []


def test_a_message_is_shown_in_oslo_time_with_its_paragraphs() -> None:
    assert _oslo("Tue, 24 Nov 2026 13:05:00 +0000") == "24.11.2026 14:05"
    assert _oslo("") == ""
    text = "Hei Kari,\r\n\r\nlinje 1\nlinje 2\n"
    assert _paragraphs(text) == [["Hei Kari,"], ["linje 1", "linje 2"]]
