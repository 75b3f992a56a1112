"""Charts drawn on the server as inline SVG: no script, no external service, no fonts.

Each function takes ``(label, value)`` pairs and returns the markup of one ``<svg>`` with
``role="img"``, a ``<title>`` and a ``<desc>`` (referenced by ``aria-labelledby``) that
states every value in words, so a screen reader gets the numbers as well as the page's
table beside the chart. Labels are escaped. A value may be a count or a string: a
suppressed count (``"fewer than 5"``) is drawn as no bar with the words where the
number would be, never as a guessed size.

Colours are SVG attributes (the page's Content-Security-Policy allows no inline
``style``), overridden by ``.chart`` rules in ``casework.css`` for print.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

Value = int | str
"""A count, or the words shown in its place (``"fewer than 5"``)."""

BAR_COLOUR = "#1d70b8"
TEXT_COLOUR = "#0b0c0c"
AXIS_COLOUR = "#505a5f"
GRID_COLOUR = "#b1b4b6"
FONT_SIZE = 14
CHAR_WIDTH = 7.6
"""Rough width of one character at ``FONT_SIZE`` (system sans-serif), to size the label column."""


def _number(value: Value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _fmt(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "chart"


def _scale_max(values: Sequence[Value]) -> int:
    """A round top for the axis: 1, 2, 5 times a power of ten, at least the largest value."""
    largest = max((n for n in map(_number, values) if n is not None), default=0)
    if largest <= 0:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= largest:
                return step * factor
        step *= 10


def _label_lines(label: str, x: float) -> str:
    """A period label split after its year (``2026-27`` / ``Q1``) so neighbours never touch."""
    head, _, tail = label.rpartition("-")
    if not head or len(label) <= 7:
        return escape(label)
    return (f'<tspan x="{_fmt(x)}">{escape(head)}</tspan>'
            f'<tspan x="{_fmt(x)}" dy="14">{escape(tail)}</tspan>')


def described(data: Sequence[tuple[str, Value]]) -> str:
    """The values in words: ``Personal: 12; Nuisance: fewer than 5``."""
    if not data:
        return "No figures."
    return "; ".join(f"{label}: {value}" for label, value in data) + "."


def _open(chart_id: str, title: str, data: Sequence[tuple[str, Value]], width: float,
          height: float) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
        f'role="img" aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'viewBox="0 0 {_fmt(width)} {_fmt(height)}" width="{_fmt(width)}" '
        f'height="{_fmt(height)}" font-family="system-ui, sans-serif" '
        f'font-size="{FONT_SIZE}" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(described(data))}</desc>',
    ]


def horizontal_bars(title: str, data: Sequence[tuple[str, Value]], *,
                    chart_id: str | None = None, width: int = 520) -> str:
    """One bar per label, longest value the widest bar, the value written after each bar."""
    chart_id = chart_id or "chart-" + _slug(title)
    bar_height, gap, top = 22, 10, 10
    label_width = min(max((len(label) for label, _ in data), default=4) * CHAR_WIDTH + 12,
                      width * 0.45)
    value_room = 110  # "fewer than 5" after the longest bar
    plot_width = max(width - label_width - value_room, 50)
    scale = _scale_max([value for _, value in data])
    height = top * 2 + max(len(data), 1) * (bar_height + gap)
    parts = _open(chart_id, title, data, width, height)
    x0 = label_width
    parts.append(f'<line x1="{_fmt(x0)}" y1="{top - 4}" x2="{_fmt(x0)}" '
                 f'y2="{_fmt(height - top + 4)}" stroke="{AXIS_COLOUR}" stroke-width="1"/>')
    if not data:
        parts.append(f'<text x="{_fmt(x0 + 8)}" y="{top + 16}" fill="{TEXT_COLOUR}">'
                     'No figures</text>')
    for index, (label, value) in enumerate(data):
        y = top + index * (bar_height + gap)
        middle = y + bar_height / 2 + FONT_SIZE * 0.35
        parts.append(f'<text x="{_fmt(x0 - 8)}" y="{_fmt(middle)}" text-anchor="end" '
                     f'fill="{TEXT_COLOUR}">{escape(label)}</text>')
        count = _number(value)
        length = 0.0 if count is None else plot_width * count / scale
        if length > 0:
            parts.append(f'<rect class="chart__bar" x="{_fmt(x0)}" y="{y}" '
                         f'width="{_fmt(length)}" height="{bar_height}" fill="{BAR_COLOUR}"/>')
        style = "" if count is not None else ' font-style="italic"'
        parts.append(f'<text x="{_fmt(x0 + length + 6)}" y="{_fmt(middle)}" '
                     f'fill="{TEXT_COLOUR}"{style}>{escape(str(value))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def columns(title: str, data: Sequence[tuple[str, Value]], *, chart_id: str | None = None,
            width: int = 900, height: int = 280) -> str:
    """A column per label left to right (a trend over periods), the value above each."""
    chart_id = chart_id or "chart-" + _slug(title)
    left, right, top, bottom = 44, 10, 24, 44
    plot_width = width - left - right
    plot_height = height - top - bottom
    scale = _scale_max([value for _, value in data])
    parts = _open(chart_id, title, data, width, height)
    base = top + plot_height
    for fraction in (0, 0.5, 1):
        y = base - plot_height * fraction
        parts.append(f'<line x1="{left}" y1="{_fmt(y)}" x2="{width - right}" y2="{_fmt(y)}" '
                     f'stroke="{GRID_COLOUR if fraction else AXIS_COLOUR}" stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{_fmt(y + FONT_SIZE * 0.35)}" '
                     f'text-anchor="end" fill="{AXIS_COLOUR}" font-size="12">'
                     f'{_fmt(scale * fraction)}</text>')
    slot = plot_width / max(len(data), 1)
    bar_width = min(slot * 0.6, 60)
    if not data:
        parts.append(f'<text x="{left + 8}" y="{_fmt(base - 8)}" fill="{TEXT_COLOUR}">'
                     'No figures</text>')
    for index, (label, value) in enumerate(data):
        centre = left + slot * index + slot / 2
        count = _number(value)
        bar = 0.0 if count is None else plot_height * count / scale
        if bar > 0:
            parts.append(f'<rect class="chart__bar" x="{_fmt(centre - bar_width / 2)}" '
                         f'y="{_fmt(base - bar)}" width="{_fmt(bar_width)}" '
                         f'height="{_fmt(bar)}" fill="{BAR_COLOUR}"/>')
        shown = str(value) if count is not None else "<5"
        parts.append(f'<text x="{_fmt(centre)}" y="{_fmt(base - bar - 6)}" '
                     f'text-anchor="middle" fill="{TEXT_COLOUR}" font-size="12">'
                     f'{escape(shown)}</text>')
        parts.append(f'<text x="{_fmt(centre)}" y="{_fmt(base + 18)}" text-anchor="middle" '
                     f'fill="{TEXT_COLOUR}" font-size="12">{_label_lines(label, centre)}</text>')
    parts.append("</svg>")
    return "".join(parts)
