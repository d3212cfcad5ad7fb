"""Dates as precise as the sources make them, and timelines drawn from them.

A statement's date is a day (``xsd:date``), a month (``xsd:gYearMonth``), a year (``xsd:gYear``) or
unknown (``pt:UnknownDate``). :class:`When` keeps that precision: a day is a point, a month or year
is the interval it spans. :func:`layout` places dated entries on a time axis for the server-rendered
SVG: a day as a dot, a month or year as a bar across the whole interval; undated entries are never
placed on the axis but listed separately.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rdflib import Literal, URIRef
from rdflib.term import Node

from kg.questions import periods

PRECISIONS = ("day", "month", "year", "unknown")
_LEXICAL = (
    ("day", re.compile(r"^\d{4}-\d{2}-\d{2}")),
    ("month", re.compile(r"^\d{4}-\d{2}(?:Z|[+-]\d{2}:\d{2})?$")),
    ("year", re.compile(r"^\d{4}(?:Z|[+-]\d{2}:\d{2})?$")),
)


@dataclass(frozen=True)
class When:
    """A date with its precision; ``start``/``end`` bound the interval it covers (end exclusive).

    The interval is the one :func:`kg.questions.periods.interval_of` gives the temporal questions."""

    precision: str
    start: dt.date | None = None
    end: dt.date | None = None
    literal: str | None = None

    @classmethod
    def of(cls, date: Node | None, precision: Node | None = None) -> When:
        """From a ``pt:date`` literal and a ``pt:datePrecision`` individual (either may be missing;
        without a precision, the datatype or else the lexical form tells it)."""
        if date is None or not isinstance(date, Literal):
            return cls("unknown")
        text = str(date).strip()
        name = precision_name(precision) or periods.precision_of(date)
        if name == "unknown":
            name = next((n for n, pattern in _LEXICAL if pattern.match(text)), "unknown")
        interval = periods.interval_of(text, name) if name != "unknown" else None
        if interval is None:
            return cls("unknown", literal=text)
        # the end is exclusive; the last representable day (a derived "open" end, 9999-12-31)
        # has no successor and stays as it is
        end = interval.end if interval.end == dt.date.max else interval.end + dt.timedelta(days=1)
        return cls(name, interval.start, end, text)

    @property
    def known(self) -> bool:
        return self.start is not None

    @property
    def text(self) -> str:
        """As a person writes it, no more precise than the source: "2 June 2025", "June 2025", "2024"."""
        if self.start is None:
            return "date unknown"
        if self.precision == "day":
            return f"{self.start.day} {calendar.month_name[self.start.month]} {self.start.year}"
        if self.precision == "month":
            return f"{calendar.month_name[self.start.month]} {self.start.year}"
        return str(self.start.year)

    @property
    def iso(self) -> str | None:
        """For ``<time datetime>``: ``2025-06-02``, ``2025-06`` or ``2025``."""
        if self.start is None:
            return None
        if self.precision == "day":
            return self.start.isoformat()
        if self.precision == "month":
            return f"{self.start.year:04d}-{self.start.month:02d}"
        return f"{self.start.year:04d}"

    @property
    def sort_key(self) -> tuple:
        """Earliest first; at the same start, the more precise first; unknown dates last."""
        if self.start is None:
            return (1, dt.date.max, 0)
        return (0, self.start, PRECISIONS.index(self.precision))


def precision_name(term: Node | None) -> str | None:
    """``day``/``month``/``year``/``unknown`` for a ``pt:…Precision`` individual, else None."""
    return periods.PRECISION_IRIS.get(term) if isinstance(term, URIRef) else None


# --- the chart ----------------------------------------------------------------------------------


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
            first, last = self.span or (None, None)
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
    lane_order: Callable[[str], object] | None = None,
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
        chart.height = 0
        return chart
    first = min(e.when.start for e in dated)
    last = max(e.when.end for e in dated)
    span_start = dt.date(first.year, 1, 1)
    span_end = dt.date(last.year + 1, 1, 1) if (last.month, last.day) != (1, 1) else last
    chart.span = (span_start, span_end)
    total = (span_end - span_start).days

    def x_of(day: dt.date) -> float:
        return LEFT + (chart.right - LEFT) * (day - span_start).days / total

    names = sorted({e.lane for e in dated}, key=lane_order or (lambda name: name))
    y = TOP
    for name in names:
        rows: list[float] = []  # right edge of the last mark in each row
        placed: list[tuple[int, Entry, float, float]] = []
        for entry in sorted((e for e in dated if e.lane == name), key=lambda e: e.when.sort_key):
            x0 = x_of(entry.when.start)
            x1 = x_of(entry.when.end) if entry.when.precision != "day" else x0
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
        y += height
    chart.axis_y = y + 4
    chart.height = chart.axis_y + AXIS
    years = span_end.year - span_start.year
    for year in range(span_start.year, span_end.year + 1):
        chart.ticks.append(Tick(x_of(dt.date(year, 1, 1)), str(year), True))
        if years <= 3 and year < span_end.year:
            for month in (4, 7, 10):
                chart.ticks.append(Tick(x_of(dt.date(year, month, 1)), "", False))
    return chart
