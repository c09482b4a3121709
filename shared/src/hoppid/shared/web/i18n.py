"""Texts of the pages in bokmål (nb), nynorsk (nn) and English (en).

Texts are flat JSON files, one per language: the shared ones here, a service's own beside its
templates (its keys win). A text missing in the chosen language falls back to bokmål and then
shows its key in brackets, so a gap is visible and a page is never blank.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

LANGUAGES = ("nb", "nn", "en")
DEFAULT_LANGUAGE = "nb"
LANGUAGE_NAMES = {"nb": "Bokmål", "nn": "Nynorsk", "en": "English"}
Translate = Callable[..., str]


class Texts:
    def __init__(self, folders: Iterable[Path]) -> None:
        self._texts: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
        for folder in folders:
            for lang in LANGUAGES:
                path = folder / f"{lang}.json"
                if path.exists():
                    self._texts[lang].update(json.loads(path.read_text("utf-8")))

    def translator(self, lang: str) -> Translate:
        chosen = self._texts.get(lang, self._texts[DEFAULT_LANGUAGE])
        fallback = self._texts[DEFAULT_LANGUAGE]

        def t(key: str, **values: Any) -> str:
            text = chosen.get(key) or fallback.get(key) or f"[{key}]"
            return text.format(**values) if values else text

        return t

    def missing(self, lang: str) -> list[str]:
        """Keys that bokmål has and ``lang`` lacks (a test keeps this empty)."""
        return sorted(set(self._texts[DEFAULT_LANGUAGE]) - set(self._texts[lang]))


def choose_language(query: str | None, cookie: str | None, accept: str | None) -> str:
    """The page language: ?lang= first, then the remembered choice, then the browser's."""
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return candidate
    for part in (accept or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("nn"):
            return "nn"
        if tag.startswith(("nb", "no")):
            return "nb"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LANGUAGE
