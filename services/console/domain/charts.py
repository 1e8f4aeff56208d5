"""Charts drawn on the server as SVG: grouped bars and lines over labelled points, each mark
carrying its label, series and value (the numbers are also in the table beside the chart)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

# The drawing's box and the margins kept for the axis and the labels (SVG user units; the
# picture scales to the width it is given).
WIDTH = 640
HEIGHT = 240
LEFT = 40
RIGHT = 8
TOP = 16
BOTTOM = 40
# A group's bars fill this share of its slot; the rest is the gap between groups.
FILL = 0.8
# Series beyond this many reuse the colours from the first (the page's CSS has s0..s5).
COLOURS = 6


@dataclass(frozen=True)
class Series:
    """One named run of values, one per label (None: no figure)."""

    name: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class Mark:
    """One drawn figure: where it is and what it says."""

    label: str
    series: str
    value: float | None
    x: float
    y: float
    width: float
    height: float
    colour: int


def nice_max(value: float) -> float:
    """The top of the scale: the smallest 1, 2 or 5 times a power of ten at or above `value`
    (1 for nothing to show)."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    return next(m * magnitude for m in (1, 2, 5, 10) if value <= m * magnitude)


def top_of(series: Sequence[Series]) -> float:
    """The scale's top for these series."""
    return nice_max(max((v for s in series for v in s.values if v is not None), default=0))


def _height(value: float | None, top: float) -> float:
    plot = HEIGHT - TOP - BOTTOM
    return round(plot * (value or 0) / top, 1)


def bars(labels: Sequence[str], series: Sequence[Series]) -> list[Mark]:
    """Grouped bars: one slot per label, one bar per series inside it, baseline at the bottom."""
    if not labels or not series:
        return []
    top = top_of(series)
    slot = (WIDTH - LEFT - RIGHT) / len(labels)
    width = round(slot * FILL / len(series), 1)
    marks = []
    for i, label in enumerate(labels):
        start = LEFT + slot * i + slot * (1 - FILL) / 2
        for j, s in enumerate(series):
            value = s.values[i] if i < len(s.values) else None
            height = _height(value, top)
            marks.append(
                Mark(
                    label,
                    s.name,
                    value,
                    round(start + width * j, 1),
                    round(HEIGHT - BOTTOM - height, 1),
                    width,
                    height,
                    j % COLOURS,
                )
            )
    return marks


def points(labels: Sequence[str], series: Sequence[Series]) -> list[Mark]:
    """Points of lines: one per label and series, at the middle of the label's slot."""
    if not labels or not series:
        return []
    top = top_of(series)
    slot = (WIDTH - LEFT - RIGHT) / len(labels)
    marks = []
    for j, s in enumerate(series):
        for i, label in enumerate(labels):
            value = s.values[i] if i < len(s.values) else None
            height = _height(value, top)
            x = round(LEFT + slot * i + slot / 2, 1)
            marks.append(
                Mark(label, s.name, value, x, round(HEIGHT - BOTTOM - height, 1), 0, 0, j % COLOURS)
            )
    return marks


def figure(value: float | None) -> str:
    """A value as the chart writes it: whole numbers without a point, none as a dash."""
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def tick(value: float) -> str:
    """The scale's top as the axis writes it, short enough for the left margin: from 10,000 in
    thousands (200k), from a million in millions (1.5M)."""
    if value >= 1_000_000:
        return f"{figure(value / 1_000_000)}M"
    if value >= 10_000:
        return f"{figure(value / 1_000)}k"
    return figure(value)


def _frame(title: str, labels: Sequence[str], top: float, body: list[str]) -> str:
    base = HEIGHT - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / len(labels)
    axis = [
        f'<line class="axis" x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}"/>',
        f'<text class="tick" x="{LEFT - 4}" y="{base}">0</text>',
        f'<text class="tick" x="{LEFT - 4}" y="{TOP}">{tick(top)}</text>',
    ]
    names = [
        f'<text class="name" x="{round(LEFT + slot * i + slot / 2, 1)}" y="{base + 16}">'
        f"{escape(label)}</text>"
        for i, label in enumerate(labels)
    ]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}"'
        f' role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
        + "".join(axis + body + names)
        + "</svg>"
    )


def _data(m: Mark) -> str:
    return (
        f' data-label="{escape(m.label)}" data-series="{escape(m.series)}"'
        f' data-value="{figure(m.value)}"><title>{escape(m.label)} · {escape(m.series)}:'
        f" {figure(m.value)}</title>"
    )


def bar_chart(title: str, labels: Sequence[str], series: Sequence[Series]) -> str:
    """Grouped bars as an SVG picture named `title` (empty when there is nothing to draw)."""
    marks = bars(labels, series)
    if not marks:
        return ""
    body = [
        f'<rect class="s{m.colour}" x="{m.x}" y="{m.y}" width="{m.width}" height="{m.height}"'
        + _data(m)
        + "</rect>"
        for m in marks
    ]
    return _frame(title, labels, top_of(series), body)


def line_chart(title: str, labels: Sequence[str], series: Sequence[Series]) -> str:
    """One line per series as an SVG picture named `title` (empty when there is nothing)."""
    marks = points(labels, series)
    if not marks:
        return ""
    body = []
    for j, s in enumerate(series):
        mine = [m for m in marks if m.series == s.name]
        path = " ".join(f"{m.x},{m.y}" for m in mine if m.value is not None)
        body.append(f'<polyline class="line s{j % COLOURS}" points="{path}"/>')
        body.extend(
            f'<circle class="s{m.colour}" cx="{m.x}" cy="{m.y}" r="3"' + _data(m) + "</circle>"
            for m in mine
            if m.value is not None
        )
    return _frame(title, labels, top_of(series), body)
