"""Message texts from template files, in the person's language, with office overrides.

A message ``<name>`` in a language is three files in ``<root>/<lang>/``: ``<name>.subject``,
``<name>.txt`` and (optional) ``<name>.html``, with ``$placeholders`` (:class:`string.Template`:
no logic, nothing executed). Values are HTML-escaped in the HTML part. The office's signature is
the template ``_signature.txt`` rendered with the office's values.

Where a text is looked for, first to last: the office's override folder in the language, the
packaged templates in the language, then the same two in bokmål. A text from bokmål for someone
who asked for another language starts with a visible line saying it is not translated yet
(``_not_translated.txt`` of the asked language). An empty or broken text is skipped, so a message
is never empty: when no text can be made at all, :class:`TemplateError` is raised.
"""

from __future__ import annotations

import html
import logging
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from hoppid.notifications.model import DEFAULT_LANGUAGE

log = logging.getLogger("hoppid.notifications.templates")

PACKAGED = Path(__file__).with_name("templates")
SIGNATURE = "_signature"
NOT_TRANSLATED = "_not_translated"
PREFERENCES = "_preferences"  # the footer with the person's preferences link
FALLBACK_NOTICE = (
    "This text has not been translated into your language yet; it follows in Norwegian (bokmål)."
)


class TemplateError(Exception):
    """No usable text exists for this message (a bug or a broken set of templates)."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    language: str  # the language of the text actually used
    fallback: bool  # True when the asked language was missing and bokmål was used


class Templates:
    def __init__(self, packaged: Path = PACKAGED, office_dir: Path | None = None) -> None:
        self.packaged = packaged
        self.office_dir = office_dir

    def render(
        self,
        name: str,
        language: str,
        office_id: str,
        values: Mapping[str, str],
        preferences_link: str | None = None,
    ) -> Rendered:
        """The message in ``language`` (or visibly in bokmål); raises TemplateError if none.

        With a preferences link, a footer naming it ends the text and the HTML."""
        rendered = self._render(name, language, office_id, values)
        if not preferences_link:
            return rendered
        link = {"preferences_link": preferences_link}
        footer = self._part(PREFERENCES, language, office_id, link) or preferences_link
        html_footer = html.escape(footer).replace("\n", "<br>\n")
        return Rendered(
            rendered.subject,
            f"{rendered.text}\n\n{footer}",
            f"{rendered.html}\n<p><small>{html_footer}</small></p>",
            rendered.language,
            rendered.fallback,
        )

    def _render(
        self, name: str, language: str, office_id: str, values: Mapping[str, str]
    ) -> Rendered:
        full = {**values, "signature": self._signature(language, office_id, values)}
        for folder, lang in self._folders(language, office_id):
            rendered = _render_from(folder, name, full)
            if rendered is None:
                continue
            subject, text, html_part = rendered
            fallback = lang != language
            if fallback:
                notice = self._notice(language)
                text = f"{notice}\n\n{text}"
                html_part = f"<p><em>{html.escape(notice)}</em></p>\n{html_part}"
            return Rendered(subject, text, html_part, lang, fallback)
        raise TemplateError(f"no usable template {name!r} for {language!r} at {office_id!r}")

    def _folders(self, language: str, office_id: str) -> Iterator[tuple[Path, str]]:
        languages = [language] if language == DEFAULT_LANGUAGE else [language, DEFAULT_LANGUAGE]
        for lang in languages:
            if self.office_dir is not None:
                yield self.office_dir / office_id / lang, lang
            yield self.packaged / lang, lang

    def _signature(self, language: str, office_id: str, values: Mapping[str, str]) -> str:
        return self._part(SIGNATURE, language, office_id, values) or values.get("office_name", "")

    def _part(self, name: str, language: str, office_id: str, values: Mapping[str, str]) -> str:
        """A shared piece of text (signature, footer): the first usable one, or empty."""
        for folder, _ in self._folders(language, office_id):
            text = _substitute(folder / f"{name}.txt", values)
            if text:
                return text
        return ""

    def _notice(self, language: str) -> str:
        path = self.packaged / language / f"{NOT_TRANSLATED}.txt"
        return _read(path) or FALLBACK_NOTICE


def _render_from(folder: Path, name: str, values: Mapping[str, str]) -> tuple[str, str, str] | None:
    subject = _substitute(folder / f"{name}.subject", values)
    text = _substitute(folder / f"{name}.txt", values)
    if not subject or not text:
        return None
    escaped = {key: html.escape(value) for key, value in values.items()}
    escaped["signature"] = escaped.get("signature", "").replace("\n", "<br>\n")
    html_part = _substitute(folder / f"{name}.html", escaped) or _html_from_text(text)
    # one line: a newline in a subject would start a new mail header
    return " ".join(subject.split()), text, html_part


def _substitute(path: Path, values: Mapping[str, str]) -> str:
    """The file with its placeholders filled; empty if missing, empty or broken (logged)."""
    raw = _read(path)
    if not raw:
        return ""
    try:
        return string.Template(raw).substitute(values).strip()
    except (KeyError, ValueError) as error:
        log.error("template %s cannot be used: %s %s", path, type(error).__name__, error)
        return ""


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return ""


def _html_from_text(text: str) -> str:
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    return "\n".join(
        f"<p>{html.escape(p).replace(chr(10), '<br>' + chr(10))}</p>" for p in paragraphs
    )
