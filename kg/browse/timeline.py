"""Timelines drawn from dated entries.

:func:`layout` places dated entries on a time axis for the server-rendered SVG: a day as a dot, a
month or year as a bar across the whole interval it spans (:class:`kg.browse.dates.When`); undated
entries are never placed on the axis but listed separately.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kg.browse.dates import When

if TYPE_CHECKING:
    from _typeshed import SupportsRichComparison


@dataclass
class Entry:
    """One thing to place on a timeline."""

    when: When
    lane: str
    label: str
    href: str | None = None
    tone: str = "other"
    """``supporting``, ``opposing`` or ``other``: how the mark is drawn."""


@dataclass
class Mark:
    x: float
    y: float
    width: float
    entry: Entry

    @property
    def is_point(self) -> bool:
        return self.entry.when.precision == "day"


@dataclass
class Lane:
    label: str
    y: float
    height: float


@dataclass
class Tick:
    x: float
    label: str
    major: bool


@dataclass
class Chart:
    """Geometry of a server-rendered SVG timeline (user units; the SVG scales to its container)."""

    title: str
    width: float
    height: float
    left: float
    right: float
    axis_y: float
    lanes: list[Lane] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    undated: list[Entry] = field(default_factory=list)
    span: tuple[dt.date, dt.date] | None = None

    @property
    def summary(self) -> str:
        """A one-sentence description for assistive technology."""
        dated = len(self.marks)
        if not dated:
            text = "No dated entries."
        else:
            assert self.span is not None  # :func:`layout` sets it whenever it places a mark
            first, last = self.span
            text = (
                f"{dated} dated entr{'y' if dated == 1 else 'ies'} in {len(self.lanes)} "
                f"row{'' if len(self.lanes) == 1 else 's'}, from {first.year} to "
                f"{(last - dt.timedelta(days=1)).year}."
            )
        if self.undated:
            text += f" {len(self.undated)} undated, listed below the chart."
        return text


WIDTH = 800.0
LEFT = 190.0
RIGHT = 20.0
ROW = 16.0
LANE_PAD = 8.0
TOP = 10.0
AXIS = 34.0
MIN_GAP = 6.0


def layout(
    entries: Sequence[Entry],
    title: str,
    lane_order: Callable[[str], SupportsRichComparison] | None = None,
) -> Chart:
    """Place entries on a shared time axis, one lane per ``Entry.lane``; overlapping marks in a lane
    go to separate rows. Undated entries are kept aside, never placed."""
    dated = [e for e in entries if e.when.known]
    undated = [e for e in entries if not e.when.known]
    chart = Chart(
        title=title,
        width=WIDTH,
        height=0,
        left=LEFT,
        right=WIDTH - RIGHT,
        axis_y=0,
        undated=undated,
    )
    if not dated:
        return chart
    axis = _Axis.spanning(dated, chart.right)
    chart.span = (axis.start, axis.end)
    y = TOP
    for name in sorted({e.lane for e in dated}, key=lane_order or (lambda name: name)):
        y = _place_lane(chart, name, [e for e in dated if e.lane == name], axis, y)
    chart.axis_y = y + 4
    chart.height = chart.axis_y + AXIS
    chart.ticks = axis.ticks()
    return chart


@dataclass(frozen=True)
class _Axis:
    """The time axis: whole years from the first entry's to the last one's, across the chart."""

    start: dt.date
    end: dt.date
    right: float

    @classmethod
    def spanning(cls, dated: Sequence[Entry], right: float) -> _Axis:
        first = min(e.when.start for e in dated if e.when.start)
        last = max(e.when.end for e in dated if e.when.end)
        end = dt.date(last.year + 1, 1, 1) if (last.month, last.day) != (1, 1) else last
        return cls(dt.date(first.year, 1, 1), end, right)

    def x_of(self, day: dt.date) -> float:
        return LEFT + (self.right - LEFT) * (day - self.start).days / (self.end - self.start).days

    def ticks(self) -> list[Tick]:
        """A major tick each year; over three years or less, minor ticks at each quarter."""
        found = []
        years = self.end.year - self.start.year
        for year in range(self.start.year, self.end.year + 1):
            found.append(Tick(self.x_of(dt.date(year, 1, 1)), str(year), True))
            if years <= 3 and year < self.end.year:
                for month in (4, 7, 10):
                    found.append(Tick(self.x_of(dt.date(year, month, 1)), "", False))
        return found


def _place_lane(chart: Chart, name: str, entries: list[Entry], axis: _Axis, y: float) -> float:
    """Add one lane's marks to the chart at height ``y``, each in the first row where it overlaps
    nothing; the height below the lane."""
    rows: list[float] = []  # right edge of the last mark in each row
    placed: list[tuple[int, Entry, float, float]] = []
    for entry in sorted(entries, key=lambda e: e.when.sort_key):
        assert entry.when.start is not None and entry.when.end is not None
        x0 = axis.x_of(entry.when.start)
        x1 = axis.x_of(entry.when.end) if entry.when.precision != "day" else x0
        row = next((i for i, edge in enumerate(rows) if x0 - MIN_GAP >= edge), None)
        if row is None:
            rows.append(0.0)
            row = len(rows) - 1
        rows[row] = max(x1, x0) + (MIN_GAP if entry.when.precision == "day" else 1.0)
        placed.append((row, entry, x0, x1))
    height = len(rows) * ROW + LANE_PAD
    chart.lanes.append(Lane(name, y, height))
    for row, entry, x0, x1 in placed:
        chart.marks.append(Mark(x0, y + LANE_PAD / 2 + row * ROW + ROW / 2, x1 - x0, entry))
    return y + height
