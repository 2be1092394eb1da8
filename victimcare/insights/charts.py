"""Geometry of the dashboards' server-rendered SVG charts (no JavaScript).

Every chart is drawn on a 0–100% scale with the 95% interval as a whisker;
a figure with too few responses draws no bar and says "Not enough data" in
words. Each chart sits above a table holding the same figures, so the chart
is never the only way to read them.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field

from .figures import Figure

WIDTH = 900
LABEL = 260
ROW = 30
BAR = 16
TOP = 30
RIGHT = 150
COLUMN_HEIGHT = 260
BOTTOM = 70
LEFT = 50


@dataclass
class Bar:
    label: str
    value_text: str
    enough: bool
    # Horizontal charts: y and widths; column charts: x and heights.
    position: float = 0.0
    length: float = 0.0
    low: float = 0.0
    high: float = 0.0
    text_at: float = 0.0


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    axis_ticks: list[tuple[float, str]] = field(default_factory=list)
    target_at: float | None = None
    target_text: str = ""
    origin: float = 0.0  # the x of 0% (horizontal) or y of 0% (columns)
    extent: float = 0.0  # the length of 100%
    bar: int = BAR


def _value_text(f: Figure) -> str:
    p = f.proportion
    if not p.enough:
        return "Not enough data"
    return f"{100 * (p.share or 0):.1f}% (n={p.base})"


def horizontal(figures: list[Figure], *, target: float | None = None) -> Chart:
    """One horizontal bar per figure, whisker from the interval's lower to
    upper bound; a dashed line at the target when there is one."""
    span = WIDTH - LABEL - RIGHT
    chart = Chart(WIDTH, TOP + ROW * len(figures) + 10, origin=LABEL, extent=span)
    chart.axis_ticks = [(LABEL + span * t / 100, f"{t}%") for t in (0, 25, 50, 75, 100)]
    if target is not None:
        chart.target_at = round(LABEL + span * target, 1)
        chart.target_text = f"Target {100 * target:.1f}%"
    for i, f in enumerate(figures):
        p = f.proportion
        bar = Bar(f.label, _value_text(f), p.enough, position=TOP + i * ROW)
        if p.enough:
            lower, upper = p.interval
            bar.length = round(span * (p.share or 0), 1)
            bar.low = round(LABEL + span * lower, 1)
            bar.high = round(LABEL + span * upper, 1)
            bar.text_at = max(bar.high, LABEL + bar.length) + 6
        else:
            bar.text_at = LABEL + 6
        chart.bars.append(bar)
    return chart


def columns(figures: list[Figure], *, target: float | None = None) -> Chart:
    """One column per period (month or quarter), whisker for the interval."""
    count = max(len(figures), 1)
    step = (WIDTH - LEFT - 20) / count
    width = max(4, min(40, int(step * 0.6)))
    chart = Chart(WIDTH, TOP + COLUMN_HEIGHT + BOTTOM, origin=TOP + COLUMN_HEIGHT)
    chart.extent = COLUMN_HEIGHT
    chart.bar = width
    chart.axis_ticks = [
        (round(TOP + COLUMN_HEIGHT * (1 - t / 100), 1), f"{t}%") for t in (0, 25, 50, 75, 100)
    ]
    if target is not None:
        chart.target_at = round(TOP + COLUMN_HEIGHT * (1 - target), 1)
        chart.target_text = f"Target {100 * target:.1f}%"
    for i, f in enumerate(figures):
        p = f.proportion
        x = LEFT + step * i + (step - width) / 2
        bar = Bar(_short(f.label), _value_text(f), p.enough, position=round(x, 1))
        if p.enough:
            lower, upper = p.interval
            bar.length = round(COLUMN_HEIGHT * (p.share or 0), 1)
            bar.low = round(TOP + COLUMN_HEIGHT * (1 - lower), 1)
            bar.high = round(TOP + COLUMN_HEIGHT * (1 - upper), 1)
        bar.text_at = round(x + width / 2, 1)
        chart.bars.append(bar)
    return chart


_MONTHS = {name: name[:3] for name in calendar.month_name if name}


def _short(label: str) -> str:
    """A column's label as it fits under it: "November 2025" → "Nov 2025";
    "(partial)" and other notes are left to the table."""
    words = label.split(" (")[0].split()
    if len(words) == 2 and words[0] in _MONTHS:
        return f"{_MONTHS[words[0]]} {words[1]}"
    return " ".join(words)
