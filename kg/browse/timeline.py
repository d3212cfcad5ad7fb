"""Timelines drawn from dated entries.

:func:`layout` places dated entries on a time axis for the server-rendered SVG: a day as a dot, a
month or year as a bar across the whole interval it spans (:class:`kg.browse.dates.When`); undated
entries are never placed on the axis but listed separately.

An entry dated as of a report (made on or before the report date D, no first day known) is drawn so
nobody reads it as made on D: a "by" mark at D's end (the day itself for a day) with a short bar
that points left and fades out, towards the unknown start. Such an entry does not widen the axis to
the left: the axis spans the entries' known days, for an as-of entry D's own interval.
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
        return self.entry.when.precision == "day" and not self.is_as_of

    @property
    def is_as_of(self) -> bool:
        """Drawn as "stated by this date": a mark at ``by_x`` and a fading bar to its left."""
        return self.entry.when.as_of

    @property
    def by_x(self) -> float:
        """Where an as-of entry's report date ends (the right end of its mark)."""
        return self.x + self.width


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
        as_of = sum(1 for m in self.marks if m.is_as_of)
        if as_of:
            text += (
                f" {as_of} dated only by a report: stated on or before the date drawn, "
                "start unknown."
            )
        if self.undated:
            text += f" {len(self.undated)} undated, listed below the chart."
        return text

    @property
    def has_as_of(self) -> bool:
        """Whether any entry is dated as of a report (the legend then explains its mark)."""
        return any(m.is_as_of for m in self.marks)


WIDTH = 800.0
LEFT = 190.0
RIGHT = 20.0
ROW = 16.0
LANE_PAD = 8.0
TOP = 10.0
AXIS = 34.0
MIN_GAP = 6.0
TAIL = 48.0
"""How far left an as-of entry's fading bar reaches from its report date (user units): it shows
"earlier, start unknown", not a span."""


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
        """The axis over the entries' known days (an as-of entry's ``start``/``end`` are its
        report date's own interval, so it never reaches back to the year 1)."""
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
        x0, x1, gap = _extent(entry, axis)
        row = next((i for i, edge in enumerate(rows) if x0 - MIN_GAP >= edge), None)
        if row is None:
            rows.append(0.0)
            row = len(rows) - 1
        rows[row] = max(x1, x0) + gap
        placed.append((row, entry, x0, x1))
    height = len(rows) * ROW + LANE_PAD
    chart.lanes.append(Lane(name, y, height))
    for row, entry, x0, x1 in placed:
        chart.marks.append(Mark(x0, y + LANE_PAD / 2 + row * ROW + ROW / 2, x1 - x0, entry))
    return y + height


def _extent(entry: Entry, axis: _Axis) -> tuple[float, float, float]:
    """Where an entry's mark starts and ends on the axis, and the room it keeps after itself: a
    day is a point, a month or year its span; an as-of entry ends at its report date (the day, or
    the end of the month or year) and reaches :data:`TAIL` to the left, never past the axis start."""
    when = entry.when
    assert when.start is not None and when.end is not None
    if when.as_of:
        by = axis.x_of(when.start if when.precision == "day" else when.end)
        return max(LEFT, by - TAIL), by, MIN_GAP
    x0 = axis.x_of(when.start)
    if when.precision == "day":
        return x0, x0, MIN_GAP
    return x0, axis.x_of(when.end), 1.0
