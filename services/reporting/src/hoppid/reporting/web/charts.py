"""Charts as server-rendered inline SVG: no script, no library, a few hundred bytes each.

Every chart is ``role="img"`` with a ``<title>`` naming what it shows; the page puts a table of
the same numbers beside it, which is what a screen reader reads. Labels are escaped here, since
the SVG is handed to the template as markup: every value goes through Markup.format.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

# bars in the link colour (8.6:1 on white, more than the 3:1 graphics need), text in ink


@dataclass(frozen=True)
class Point:
    label: str
    value: float
    shown: str  # the value as the page writes it (language-formatted)


OPEN = Markup(
    '<svg class="chart" role="img" aria-labelledby="{id}-title" viewBox="0 0 {w} {h}" '
    'width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg">'
    '<title id="{id}-title">{title}</title>'
)
CLOSE = Markup("</svg>")
TEXT = Markup(
    '<text x="{x}" y="{y}" text-anchor="{anchor}" fill="#1b1b1b" '
    'font-family="system-ui, sans-serif" font-size="13">{text}</text>'
)
RECT = Markup('<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="#1d4f91"/>')
BASE = Markup('<line x1="10" y1="{y}" x2="{x}" y2="{y}" stroke="#6b6b6b" stroke-width="1"/>')


def bars(chart_id: str, title: str, points: Sequence[Point], width: int = 640) -> Markup:
    """Horizontal bars, one per point, labelled left and valued right (comparison, funnel)."""
    row, label_width, value_width = 28, 190, 70
    height = max(row * len(points) + 10, 40)
    room = width - label_width - value_width
    top = max((p.value for p in points), default=0) or 1
    parts = [OPEN.format(id=chart_id, w=width, h=height, title=title)]
    for index, point in enumerate(points):
        y = 5 + index * row
        length = round(room * point.value / top, 1)
        parts += [
            TEXT.format(x=label_width - 8, y=y + 17, anchor="end", text=_short(point.label, 26)),
            RECT.format(x=label_width, y=y + 3, w=length, h=row - 8),
            TEXT.format(x=label_width + length + 6, y=y + 17, anchor="start", text=point.shown),
        ]
    return Markup("").join([*parts, CLOSE])


def columns(chart_id: str, title: str, points: Sequence[Point], width: int = 640) -> Markup:
    """Vertical columns over time (the time series), a base line and every label below."""
    height, base, top_room = 220, 180, 20
    step = (width - 20) / max(len(points), 1)
    top = max((p.value for p in points), default=0) or 1
    parts = [
        OPEN.format(id=chart_id, w=width, h=height, title=title),
        BASE.format(y=base, x=width - 10),
    ]
    for index, point in enumerate(points):
        x = 10 + index * step
        tall = round((base - top_room) * point.value / top, 1)
        middle = round(x + step / 2, 1)
        parts += [
            RECT.format(x=round(x + step * 0.15, 1), y=base - tall, w=round(step * 0.7, 1), h=tall),
            TEXT.format(x=middle, y=base - tall - 5, anchor="middle", text=point.shown),
            TEXT.format(x=middle, y=base + 18, anchor="middle", text=point.label),
        ]
    return Markup("").join([*parts, CLOSE])


def _short(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"
