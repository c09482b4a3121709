"""Numbers as the reader's language writes them: 1 234,5 in bokmål and nynorsk, 1,234.5 in
English; shares as percentages; an empty figure as a dash."""

from __future__ import annotations

from typing import Literal

Kind = Literal["count", "share", "nok", "eur", "days"]
NBSP = "\u00a0"
NONE = "\u2013"  # an en dash: no figure


def shown(value: float | int | None, kind: Kind, lang: str) -> str:
    if value is None:
        return NONE
    if kind == "share":
        return _number(value * 100, 1, lang) + (f"{NBSP}%" if lang != "en" else "%")
    if kind == "nok":
        return _number(value, 0, lang) + f"{NBSP}kr"
    if kind == "eur":
        return _number(value, 0, lang) + f"{NBSP}€"
    if kind == "days":
        return _number(value, 1, lang)
    return _number(value, 0, lang)


def _number(value: float | int, decimals: int, lang: str) -> str:
    text = f"{value:,.{decimals}f}"  # 1,234.5
    if lang == "en":
        return text
    return text.replace(",", NBSP).replace(".", ",")
