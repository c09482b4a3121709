from pathlib import Path

import pytest

from hoppid.notifications.composition.templates import PACKAGED, TemplateError, Templates

RECEIPT = {
    "name": "Kari <Nordmann>",
    "reference": "HOP-AAAA-BBBB",
    "case_link": "http://x/v1/me/tok?a=1&b=2",
    "office_name": "Nordveggen",
    "office_contact": "post@nordveggen.example",
}
NOTICE = {
    "reference": "HOP-AAAA-BBBB",
    "case_id": "c1",
    "municipality": "1539",
    "needs": "guidance",
    "stage": "idea",
    "meeting_mode": "digital",
    "language": "nb",
    "office_name": "Nordveggen",
    "office_contact": "post@nordveggen.example",
}
CONSENT = {"name": "Kari", "office_name": "Nordveggen", "office_contact": "post@x.example"}
MESSAGES = {
    "inquiry_receipt": RECEIPT,
    "new_case_notice": NOTICE,
    "consent_withdrawn_processing": CONSENT,
    "consent_withdrawn_newsletter": CONSENT,
}


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_every_packaged_message_exists_in_every_language(name: str, language: str) -> None:
    rendered = Templates().render(name, language, "nordveggen", MESSAGES[name])
    assert rendered.language == language and not rendered.fallback
    assert rendered.subject and "\n" not in rendered.subject
    assert rendered.text.strip() and rendered.html.strip()
    assert "$" not in rendered.text + rendered.subject


def test_languages_differ_and_carry_the_signature() -> None:
    texts = {
        lang: Templates().render("inquiry_receipt", lang, "o", RECEIPT) for lang in PACKAGED_LANGS
    }
    assert "Vennlig hilsen" in texts["nb"].text
    assert "Venleg helsing" in texts["nn"].text
    assert "Kind regards" in texts["en"].text
    assert len({t.subject for t in texts.values()}) == 3


PACKAGED_LANGS = ("nb", "nn", "en")


def test_values_are_escaped_in_html_only() -> None:
    rendered = Templates().render("inquiry_receipt", "nb", "o", RECEIPT)
    assert "Kari <Nordmann>" in rendered.text
    assert "Kari &lt;Nordmann&gt;" in rendered.html
    assert 'href="http://x/v1/me/tok?a=1&amp;b=2"' in rendered.html


def _write(folder: Path, name: str, **parts: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for part, text in parts.items():
        (folder / f"{name}.{part}").write_text(text, "utf-8")


def test_a_missing_translation_falls_back_to_bokmal_visibly(tmp_path: Path) -> None:
    root = tmp_path / "packaged"
    _write(root / "nb", "hello", subject="Hei", txt="Hei $name")
    _write(root / "nn", "_not_translated", txt="Ikkje omsett enno.")
    rendered = Templates(packaged=root).render("hello", "nn", "o", {"name": "Kari"})
    assert rendered.fallback and rendered.language == "nb"
    assert rendered.text.startswith("Ikkje omsett enno.")
    assert rendered.text.endswith("Hei Kari")
    assert "Ikkje omsett enno." in rendered.html and "Hei Kari" in rendered.html
    english = Templates(packaged=root).render("hello", "en", "o", {"name": "Kari"})
    assert "not been translated" in english.text  # the built-in notice when none is packaged


def test_the_real_english_notice_is_packaged() -> None:
    assert "translated" in (PACKAGED / "en" / "_not_translated.txt").read_text()


def test_an_office_overrides_a_template_and_its_signature(tmp_path: Path) -> None:
    offices = tmp_path / "offices"
    _write(
        offices / "nordveggen" / "en",
        "inquiry_receipt",
        subject="Hi from the wall",
        txt="Hi $name\n\n$signature",
    )
    (offices / "nordveggen" / "en" / "_signature.txt").write_text("The Nordveggen team", "utf-8")
    templates = Templates(office_dir=offices)
    own = templates.render("inquiry_receipt", "en", "nordveggen", RECEIPT)
    assert own.subject == "Hi from the wall"
    assert own.text.endswith("The Nordveggen team")
    assert "<p>Hi Kari &lt;Nordmann&gt;</p>" in own.html  # made from the text: no .html given
    other = templates.render("inquiry_receipt", "en", "molde", RECEIPT)
    assert other.subject.startswith("We have received")


def test_a_broken_or_empty_override_is_skipped_never_sent_empty(tmp_path: Path) -> None:
    offices = tmp_path / "offices"
    _write(offices / "o" / "nb", "inquiry_receipt", subject="Hei", txt="Hei $unknown_value")
    _write(offices / "o" / "nn", "inquiry_receipt", subject="Hei", txt="   ")
    templates = Templates(office_dir=offices)
    assert "Vi har fått" in templates.render("inquiry_receipt", "nb", "o", RECEIPT).subject
    nn = templates.render("inquiry_receipt", "nn", "o", RECEIPT)
    assert nn.language == "nn" and "førespurnaden" in nn.subject


def test_no_text_at_all_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateError):
        Templates(packaged=tmp_path).render("inquiry_receipt", "en", "o", RECEIPT)
