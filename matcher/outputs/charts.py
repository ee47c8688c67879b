"""The report's bar charts as plain shapes, for ``templates/chart.svg.j2`` to write as SVG.

Three kinds, each a pure function from numbers to a :class:`Chart` (rectangles, lines and
text at coordinates of a fixed view box): :func:`histogram` (stacked bars over fixed bins),
:func:`columns` (one bar per category, its value above it) and :func:`paired_bars`
(two horizontal bars per category). Axes get round, integer tick values
(:func:`integer_ticks`) and a light grid; every bar carries a tooltip with its exact count.

Why not a plotting library: the report's three figures are bars on integer axes, and
matplotlib took about a second of every ``match`` to import and draw them on this
2-core machine (more than the rest of the run folder of a small cohort). Coordinates are
rounded to 0.1 and nothing depends on fonts or dates, so a rerun writes the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

#: Colours of the report (its CSS uses the same accent).
ACCENT, SECOND, MUTED = "#1f5f8b", "#e07a2e", "#9aa5b1"
INK, GRID = "#3e4c59", "#e4e7eb"
#: Width of every chart's view box (the page scales it to the column width).
WIDTH = 760.0
#: Font size of tick and axis labels, in view-box units; average character width is about
#: 0.55 of it in the sans-serif fonts browsers pick.
FONT = 12
CHAR_WIDTH = 0.55 * FONT
#: Longest category name shown beside a horizontal bar (the table under it has all).
NAME_CHARS = 32


@dataclass(frozen=True)
class Rect:
    """A filled rectangle (a bar or a legend swatch) and its tooltip."""

    x: float
    y: float
    width: float
    height: float
    fill: str
    tip: str = ""


@dataclass(frozen=True)
class Line:
    """An axis or grid line."""

    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str


@dataclass(frozen=True)
class Text:
    """A label; ``anchor`` is SVG's text-anchor, ``turned`` writes it bottom-up (y axis)."""

    x: float
    y: float
    text: str
    anchor: str = "middle"
    turned: bool = False


@dataclass(frozen=True)
class Chart:
    """Everything one SVG figure draws, in view-box coordinates (origin top left)."""

    width: float
    height: float
    title: str  # what a screen reader says for the figure
    rects: tuple[Rect, ...]
    lines: tuple[Line, ...]
    texts: tuple[Text, ...]


@dataclass(frozen=True)
class Series:
    """One set of bars: its legend name, colour and one value per bin or category."""

    name: str
    colour: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class _Frame:
    """The plotting area inside a chart's margins."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top


def integer_ticks(largest: float, most: int = 8) -> list[int]:
    """Round tick values from 0 up to at least ``largest``: steps of 1, 2 or 5 × 10^k,
    at most ``most`` + 1 ticks (``integer_ticks(23)`` → ``[0, 5, 10, 15, 20, 25]``)."""
    top = max(1, math.ceil(largest))
    magnitude = 10 ** max(0, len(str(top)) - 2)
    step = next(s * magnitude for s in (1, 2, 5, 10, 20, 50) if top / (s * magnitude) <= most)
    return list(range(0, math.ceil(top / step) * step + 1, step))


def _r(value: float) -> float:
    """Coordinates to 0.1: small files, and the same bytes on every run."""
    return round(value, 1)


def _count(value: float) -> str:
    return f"{value:g}"


def _legend(series: Sequence[Series], right: float, y: float) -> tuple[list[Rect], list[Text]]:
    """Swatches and names in one row ending at ``right``."""
    rects, texts = [], []
    x = right
    for one in reversed(series):
        x -= len(one.name) * CHAR_WIDTH
        texts.append(Text(_r(x), _r(y + 4), one.name, anchor="start"))
        x -= 18
        rects.append(Rect(_r(x), _r(y - 6), 12, 12, one.colour))
        x -= 16
    return rects, texts


def _value_axis(frame: _Frame, ticks: Sequence[int], *, vertical: bool
                ) -> tuple[list[Line], list[Text]]:
    """Grid lines and tick labels of the counting axis (y when ``vertical``, else x)."""
    lines, texts = [], []
    for tick in ticks:
        share = tick / ticks[-1]
        if vertical:
            y = _r(frame.bottom - share * frame.height)
            lines.append(Line(frame.left, y, frame.right, y, GRID))
            texts.append(Text(_r(frame.left - 6), _r(y + 4), str(tick), anchor="end"))
        else:
            x = _r(frame.left + share * frame.width)
            lines.append(Line(x, frame.top, x, frame.bottom, GRID))
            texts.append(Text(x, _r(frame.bottom + 16), str(tick)))
    return lines, texts


def histogram(edges: Sequence[float], series: Sequence[Series], *, x_label: str,
              y_label: str, title: str, height: float = 256.0) -> Chart:
    """Stacked bars, one column per bin between consecutive ``edges`` (each series holds
    one count per bin, stacked in the order given); the x axis is labelled every 20 %."""
    frame = _Frame(left=56, top=34, right=WIDTH - 16, bottom=height - 44)
    totals = [sum(values) for values in zip(*(s.values for s in series), strict=True)]
    ticks = integer_ticks(max(totals, default=0))
    lines, texts = _value_axis(frame, ticks, vertical=True)
    low, high = edges[0], edges[-1]

    def x_of(value: float) -> float:
        return frame.left + (value - low) / (high - low) * frame.width

    rects = []
    for b, (start, end) in enumerate(zip(edges[:-1], edges[1:], strict=True)):
        base = 0.0
        for one in series:
            count = one.values[b]
            if count:
                top = frame.bottom - (base + count) / ticks[-1] * frame.height
                rects.append(Rect(_r(x_of(start) + 0.5), _r(top), _r(x_of(end) - x_of(start) - 1),
                                  _r(count / ticks[-1] * frame.height), one.colour,
                                  f"{_count(start)}–{_count(end)}: {_count(count)} {one.name}"))
            base += count
    step = (high - low) / 5
    for k in range(6):
        value = low + k * step
        texts.append(Text(_r(x_of(value)), _r(frame.bottom + 16), _count(value)))
    swatches, names = _legend(series, frame.right, 14)
    texts += [*names, Text(_r(frame.left + frame.width / 2), _r(height - 8), x_label),
              Text(16, _r(frame.top + frame.height / 2), y_label, turned=True)]
    lines.append(Line(frame.left, frame.bottom, frame.right, frame.bottom, MUTED))
    return Chart(WIDTH, height, title, tuple(rects + swatches), tuple(lines), tuple(texts))


def columns(names: Sequence[str], values: Sequence[float], colours: Sequence[str], *,
            y_label: str, title: str, height: float = 224.0) -> Chart:
    """One bar per category, in the order given, with its value written above it."""
    frame = _Frame(left=56, top=20, right=WIDTH - 16, bottom=height - 28)
    ticks = integer_ticks(max(values, default=0) * 1.1)  # room for the value above the bar
    lines, texts = _value_axis(frame, ticks, vertical=True)
    slot = frame.width / max(1, len(names))
    rects = []
    for k, (name, value, colour) in enumerate(zip(names, values, colours, strict=True)):
        centre = frame.left + (k + 0.5) * slot
        bar_height = value / ticks[-1] * frame.height
        if value:
            rects.append(Rect(_r(centre - 0.4 * slot), _r(frame.bottom - bar_height),
                              _r(0.8 * slot), _r(bar_height), colour,
                              f"{name}: {_count(value)}"))
        texts.append(Text(_r(centre), _r(frame.bottom - bar_height - 5), _count(value)))
        texts.append(Text(_r(centre), _r(frame.bottom + 17), name))
    texts.append(Text(16, _r(frame.top + frame.height / 2), y_label, turned=True))
    lines.append(Line(frame.left, frame.bottom, frame.right, frame.bottom, MUTED))
    return Chart(WIDTH, height, title, tuple(rects), tuple(lines), tuple(texts))


def paired_bars(names: Sequence[str], series: Sequence[Series], *, x_label: str,
                title: str) -> Chart:
    """Horizontal bars, one group per category from top to bottom, one bar per series in
    each group; long category names are shortened (the tooltip has them whole)."""
    row = 10.0 + 13.0 * len(series)
    height = 72 + row * len(names)
    shown = [name if len(name) <= NAME_CHARS else name[:NAME_CHARS - 1] + "…"
             for name in names]
    left = 16 + CHAR_WIDTH * max((len(name) for name in shown), default=0)
    frame = _Frame(left=_r(left), top=34, right=WIDTH - 16, bottom=_r(height - 38))
    ticks = integer_ticks(max((v for s in series for v in s.values), default=0))
    lines, texts = _value_axis(frame, ticks, vertical=False)
    rects = []
    for k, (name, label) in enumerate(zip(names, shown, strict=True)):
        top = frame.top + k * row + 5
        for s, one in enumerate(series):
            value = one.values[k]
            if value:
                rects.append(Rect(frame.left, _r(top + 13 * s), _r(value / ticks[-1] * frame.width),
                                  12, one.colour, f"{name}: {_count(value)} {one.name}"))
        texts.append(Text(_r(frame.left - 6), _r(top + 6.5 * len(series) + 4), label,
                          anchor="end"))
    swatches, legend = _legend(series, frame.right, 14)
    texts += [*legend, Text(_r(frame.left + frame.width / 2), _r(height - 8), x_label)]
    lines.append(Line(frame.left, frame.top, frame.left, frame.bottom, MUTED))
    return Chart(WIDTH, _r(height), title, tuple(rects + swatches), tuple(lines), tuple(texts))
